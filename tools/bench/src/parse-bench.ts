/**
 * `npm run bench:parse`: audit.log parsing throughput of @fleettune/audit
 * against `aureport -x --summary` on the same 100+ MB real logs (ENRICHED and
 * RAW), measured in the same run, plus peak RSS reading a 1 GB log.
 *
 * Two of our figures per log: "1 thread" (one AuditLogReader, the streaming
 * path of stdin and followed files) and "product" (readAuditFile, what
 * `fleettune-agent report --input <file>` runs on a regular file: the
 * parallel file reader, this thread and worker threads, above 32 MB). The goal is judged on
 * the product path. Its threads are kept between runs (as between reads of
 * one process), so the best run is a warm one like the 1-thread figure; the
 * first, cold run is printed too.
 *
 * Inputs: .fleettune/bench/{enriched,raw}.log (override the directory with
 * FLEETTUNE_BENCH_DIR). Missing ones are built from the committed recorded
 * fixtures (libs/audit/fixtures/host-a.enriched.log, host-b.raw.log) by
 * replication: copy i has every `msg=audit(sec.ms:serial)` shifted by
 * i * (span + 3) seconds and i * (max serial + 1), so events never merge
 * across copies and aureport sees as many events as we do.
 *
 * First, and what the goal is judged on: the speed a user gets. `fleettune-agent
 * report --json --input <log>` as a whole process (start-up, read, output),
 * timed like `/usr/bin/time` does (wall, user+system CPU of the process and its
 * threads, peak RSS), median of --process-runs (default 3) interleaved runs,
 * against `aureport -if <log> -x --summary` timed the same way in the same runs.
 * Then the fixed cost every run pays whatever the log's size (start-up,
 * module loading, JIT warm-up of each parsing thread): `report` on the 0.8 MB
 * fixture. The in-process figures below it (the reader in a warm process)
 * are the second line: they show how much of the whole is start-up and output.
 *
 * Options: --runs N (best of N in-process, default 5), --process-runs N
 * (default 3), --size-mb N (default 110), --rss-gb N (default 1; 0 skips),
 * --no-aureport, --process-only (skip the in-process figures).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuditLogReader, auditLogSpanSeconds, auditRangeWorkerPool, defaultAuditReadWorkers, readAuditFile, shiftAuditLog } from '@fleettune/audit';

const REPO = path.resolve(__dirname, '..', '..', '..');
const FIXTURES = path.join(REPO, 'libs', 'audit', 'fixtures');
const DIR = process.env.FLEETTUNE_BENCH_DIR ?? path.join(REPO, '.fleettune', 'bench');

interface Args {
  runs: number;
  processRuns: number;
  processOnly: boolean;
  sizeMb: number;
  rssGb: number;
  aureport: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { runs: 5, processRuns: 3, processOnly: false, sizeMb: 110, rssGb: 1, aureport: true };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--process-only') {
      a.processOnly = true;
      continue;
    }
    if (argv[i] === '--runs') a.runs = Math.max(1, Number(v) || 1);
    else if (argv[i] === '--process-runs') a.processRuns = Math.max(1, Number(v) || 1);
    else if (argv[i] === '--size-mb') a.sizeMb = Math.max(1, Number(v) || 110);
    else if (argv[i] === '--rss-gb') a.rssGb = Math.max(0, Number(v) || 0);
    else if (argv[i] === '--no-aureport') a.aureport = false;
    else continue;
    if (argv[i] !== '--no-aureport') i++;
  }
  return a;
}

/** Builds `out` (>= sizeMb) from a recorded fixture unless it is there already. */
function ensureLog(fixture: string, out: string, sizeMb: number): void {
  const want = sizeMb * 1e6;
  if (fs.existsSync(out) && fs.statSync(out).size >= want) return;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const base = fs.readFileSync(path.join(FIXTURES, fixture));
  const span = auditLogSpanSeconds(base);
  const tmp = out + '.tmp';
  const fd = fs.openSync(tmp, 'w');
  let size = 0;
  for (let i = 0; size < want; i++) {
    const copy = shiftAuditLog(base, i * (span.last - span.first + 3), i * (span.maxSerial + 1));
    fs.writeSync(fd, copy);
    size += copy.length;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, out);
  process.stderr.write(`built ${out} (${(size / 1e6).toFixed(1)} MB) from ${fixture}\n`);
}

interface OurResult {
  seconds: number;
  /** CPU time (user + system) of the parse. */
  cpuSeconds: number;
  events: number;
  execs: number;
  bytes: number;
}

/** Our full parse (lines -> records -> events -> ObservedEvents) of a file, 1 MiB reads. */
function parseOurs(file: string, times = 1): OurResult {
  let execs = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const reader = new AuditLogReader((e) => {
    if (e.exec) execs++;
  });
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let t = 0; t < times; t++) {
    const fd = fs.openSync(file, 'r');
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) reader.push(buf.subarray(0, n));
    fs.closeSync(fd);
  }
  const s = reader.end();
  const c = process.cpuUsage(c0);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: (c.user + c.system) / 1e6, events: s.events, execs, bytes: s.bytes };
}

/** The product's read of a regular file (parallel above 32 MB); CPU time is of the whole process, worker threads included. */
async function parseProduct(file: string): Promise<OurResult> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = await readAuditFile(file);
  let execs = 0;
  for (const [e, n] of r.tally.events()) if (e.exec) execs += n;
  const c = process.cpuUsage(c0);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: (c.user + c.system) / 1e6, events: r.stats.events, execs, bytes: r.stats.bytes };
}

/** CPU seconds (user + system) of this process's waited-for children, from /proc/self/stat (cutime, cstime). */
function childrenCpuSeconds(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) / 100; // fields 16, 17; USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

function timeAureport(args: string[]): { seconds: number; cpuSeconds: number; stdout: string } {
  const c0 = childrenCpuSeconds();
  const t0 = process.hrtime.bigint();
  const r = spawnSync('aureport', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`aureport ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpuSeconds: childrenCpuSeconds() - c0, stdout: r.stdout };
}

interface ProcessRun {
  wall: number;
  cpu: number;
  /** Peak RSS of the process (all its threads), MB; NaN without /usr/bin/time. */
  rssMb: number;
}

const TIME = '/usr/bin/time';
const haveTime = () => fs.existsSync(TIME);
const AGENT_CLI = path.join(REPO, 'apps', 'agent', 'dist', 'main.js');

/**
 * One whole process timed as /usr/bin/time does (GNU time: %e wall, %U+%S CPU of
 * the process and all its threads, %M peak RSS in KB); stdout is discarded
 * (written to a pipe the way a user's terminal or a `> file` takes it).
 */
function timeProcess(cmd: string, args: string[]): ProcessRun {
  if (haveTime()) {
    const r = spawnSync(TIME, ['-f', 'FLEETTUNE_TIME %e %U %S %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
    const m = /FLEETTUNE_TIME (\S+) (\S+) (\S+) (\d+)\s*$/.exec(r.stderr);
    if (r.status !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMb: Number(m[4]) / 1024 };
  }
  const c0 = childrenCpuSeconds();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: childrenCpuSeconds() - c0, rssMb: NaN };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The user's view: `report --json` vs `aureport -x --summary`, whole processes, median of n interleaved runs. */
function wholeProcess(inputs: Array<{ label: string; file: string }>, n: number, withAureport: boolean): void {
  console.log(
    `WHOLE PROCESS, as a user runs it (${haveTime() ? '/usr/bin/time: wall, user+sys CPU, peak RSS' : 'no /usr/bin/time: wall and CPU only'}; median of ${n} interleaved runs):`,
  );
  console.log(`  ours: node ${path.relative(REPO, AGENT_CLI)} report --source linux-audit --input <log> --json;  theirs: aureport -if <log> -x --summary`);
  for (const i of inputs) {
    const ours: ProcessRun[] = [];
    const theirs: ProcessRun[] = [];
    for (let r = 0; r < n; r++) {
      ours.push(timeProcess(process.execPath, [AGENT_CLI, 'report', '--source', 'linux-audit', '--input', i.file, '--json']));
      if (withAureport) theirs.push(timeProcess('aureport', ['-if', i.file, '-x', '--summary']));
    }
    const o = { wall: median(ours.map((x) => x.wall)), cpu: median(ours.map((x) => x.cpu)), rssMb: Math.max(...ours.map((x) => x.rssMb)) };
    const mb = fs.statSync(i.file).size / 1e6;
    let line = `  ${i.label.padEnd(8)} ${mb.toFixed(0)} MB: report ${o.wall.toFixed(2)} s wall, ${o.cpu.toFixed(2)} s cpu, peak RSS ${o.rssMb.toFixed(0)} MB (goal < 150: ${o.rssMb < 150 ? 'PASS' : 'FAIL'})`;
    if (withAureport) {
      const t = { wall: median(theirs.map((x) => x.wall)), cpu: median(theirs.map((x) => x.cpu)), rssMb: Math.max(...theirs.map((x) => x.rssMb)) };
      const rw = t.wall / o.wall;
      const rc = t.cpu / o.cpu;
      line +=
        `; aureport ${t.wall.toFixed(2)} s wall, ${t.cpu.toFixed(2)} s cpu, ${t.rssMb.toFixed(0)} MB` +
        ` -> ratio wall ${rw.toFixed(2)}x (goal >= 2: ${rw >= 2 ? 'PASS' : 'FAIL'}), cpu ${rc.toFixed(2)}x (goal >= 1.5: ${rc >= 1.5 ? 'PASS' : 'FAIL'})`;
    }
    console.log(line);
  }
  // What every run pays whatever the log's size: start-up, module loading and the JIT warm-up of
  // each parsing thread (cold, the parser runs ~10x slower for its first MBs).
  const small = path.join(FIXTURES, 'host-b.raw.log');
  const fixed: ProcessRun[] = [];
  const fixedTheirs: ProcessRun[] = [];
  for (let r = 0; r < n; r++) {
    fixed.push(timeProcess(process.execPath, [AGENT_CLI, 'report', '--source', 'linux-audit', '--input', small, '--json']));
    if (withAureport) fixedTheirs.push(timeProcess('aureport', ['-if', small, '-x', '--summary']));
  }
  console.log(
    `  fixed cost per run (the ${(fs.statSync(small).size / 1e6).toFixed(1)} MB fixture ${path.basename(small)}): report ${median(fixed.map((x) => x.cpu)).toFixed(2)} s cpu` +
      (withAureport ? `, aureport ${median(fixedTheirs.map((x) => x.cpu)).toFixed(2)} s cpu` : ''),
  );
  console.log(
    `  load average after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${os.cpus().length} CPU(s) (ratios are only meaningful on a quiet machine)`,
  );
  console.log('');
}

function haveAureport(): boolean {
  return spawnSync('aureport', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** Peak RSS of the whole process (main thread and worker threads alike). */
async function rssChild(mode: string, file: string): Promise<void> {
  const r = mode === 'product' ? await parseProduct(file) : parseOurs(file);
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ ...r, rssMb }) + '\n');
  await auditRangeWorkerPool.close();
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--rss-child') return rssChild(argv[1], argv[2]);
  const a = parseArgs(argv);
  const inputs = [
    { label: 'ENRICHED', file: path.join(DIR, 'enriched.log'), fixture: 'host-a.enriched.log' },
    { label: 'RAW', file: path.join(DIR, 'raw.log'), fixture: 'host-b.raw.log' },
  ];
  for (const i of inputs) ensureLog(i.fixture, i.file, a.sizeMb);
  const withAureport = a.aureport && haveAureport();
  if (a.aureport && !withAureport) process.stderr.write('aureport not found (apt-get install auditd): printing our numbers only\n');

  wholeProcess(inputs, a.processRuns, withAureport);
  if (a.processOnly) return;
  console.log(
    `IN PROCESS (the reader in a warm process; second line): node ${process.version}, ${a.runs} run(s) each, interleaved, best run counts; inputs in ${DIR}`,
  );
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${os.cpus().length} CPU(s)`,
  );
  console.log('wall = elapsed time; cpu = user+system CPU time (the fair measure on a loaded machine; of all threads for "product")');
  const threads = defaultAuditReadWorkers();
  console.log(`product = readAuditFile, as \`report --input <file>\` runs it: on files >= 32 MB, ${threads} thread(s) parsing, this one included`);
  const rows: string[][] = [
    [
      'log',
      'MB',
      'events',
      'ours wall s',
      'ours cpu s',
      'ours MB/s wall/cpu',
      'events/s (cpu)',
      'aureport wall s',
      'aureport cpu s',
      'aureport MB/s wall/cpu',
      'ratio wall',
      'ratio cpu',
    ],
  ];
  let worstWall = Number.POSITIVE_INFINITY;
  let worstCpu = Number.POSITIVE_INFINITY;
  const verdicts: string[] = [];
  const cold: string[] = [];
  for (const i of inputs) {
    const best: Record<'single' | 'product', { run?: OurResult; cpu: number }> = {
      single: { cpu: Number.POSITIVE_INFINITY },
      product: { cpu: Number.POSITIVE_INFINITY },
    };
    let theirs = Number.POSITIVE_INFINITY;
    let theirsCpu = Number.POSITIVE_INFINITY;
    // Interleaved, so all see the same machine load.
    for (let r = 0; r < a.runs; r++) {
      for (const kind of ['single', 'product'] as const) {
        const o = kind === 'single' ? parseOurs(i.file) : await parseProduct(i.file);
        if (kind === 'product' && r === 0 && i === inputs[0])
          cold.push(`first product run (threads started cold): ${o.seconds.toFixed(2)} s wall on ${i.label}`);
        const b = best[kind];
        if (!b.run || o.seconds < b.run.seconds) b.run = o;
        b.cpu = Math.min(b.cpu, o.cpuSeconds);
      }
      if (withAureport) {
        const t = timeAureport(['-if', i.file, '-x', '--summary']);
        theirs = Math.min(theirs, t.seconds);
        theirsCpu = Math.min(theirsCpu, t.cpuSeconds);
      }
    }
    const single = best.single.run!;
    const product = best.product.run!;
    if (single.events !== product.events || single.execs !== product.execs || single.bytes !== product.bytes) {
      throw new Error(`${i.label}: product read differs from the 1-thread read (${JSON.stringify(product)} vs ${JSON.stringify(single)})`);
    }
    if (withAureport) {
      const m = /Number of events:\s*(\d+)/.exec(timeAureport(['-if', i.file]).stdout);
      const theirEvents = m ? Number(m[1]) : NaN;
      if (theirEvents !== single.events) console.log(`WARNING ${i.label}: aureport sees ${theirEvents} events, we see ${single.events}`);
    }
    for (const kind of ['single', 'product'] as const) {
      const ours = best[kind].run;
      const oursCpu = best[kind].cpu;
      const label = `${i.label} ${kind === 'single' ? '1 thread' : 'product'}`;
      const mb = ours!.bytes / 1e6;
      const ratio = theirs / ours!.seconds;
      const ratioCpu = theirsCpu / oursCpu;
      if (withAureport && kind === 'product') {
        worstWall = Math.min(worstWall, ratio);
        worstCpu = Math.min(worstCpu, ratioCpu);
      }
      if (withAureport) {
        verdicts.push(
          `${label.padEnd(17)} ours ${(mb / ours!.seconds).toFixed(1)} MB/s wall, ${(mb / oursCpu).toFixed(1)} MB/s cpu; ` +
            `aureport -x --summary ${(mb / theirs).toFixed(1)} MB/s wall, ${(mb / theirsCpu).toFixed(1)} MB/s cpu; ` +
            `ratio wall ${ratio.toFixed(2)}x ${ratio >= 2 ? 'PASS' : 'FAIL'}, cpu ${ratioCpu.toFixed(2)}x ${ratioCpu >= 2 ? 'PASS' : 'FAIL'} (goal >= 2.0x)`,
        );
      }
      rows.push([
        label,
        mb.toFixed(1),
        String(ours!.events),
        ours!.seconds.toFixed(2),
        oursCpu.toFixed(2),
        `${(mb / ours!.seconds).toFixed(1)}/${(mb / oursCpu).toFixed(1)}`,
        Math.round(ours!.events / oursCpu).toString(),
        withAureport ? theirs.toFixed(2) : '-',
        withAureport ? theirsCpu.toFixed(2) : '-',
        withAureport ? `${(mb / theirs).toFixed(1)}/${(mb / theirsCpu).toFixed(1)}` : '-',
        withAureport ? ratio.toFixed(2) + 'x' : '-',
        withAureport ? ratioCpu.toFixed(2) + 'x' : '-',
      ]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  '));
  for (const v of verdicts) console.log(v);
  for (const c of cold) console.log(c);
  if (withAureport) {
    console.log(
      `product path vs aureport -x --summary (goal >= 2.0x): worst wall ${worstWall.toFixed(2)}x ${worstWall >= 2 ? 'PASS' : 'FAIL'}, ` +
        `worst cpu ${worstCpu.toFixed(2)}x ${worstCpu >= 2 ? 'PASS' : 'FAIL'}; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPU(s)`,
    );
  }

  if (a.rssGb > 0) {
    // A 1 GB log of its own (built once), each read in a separate process, so the peak RSS is of that read alone.
    const big = path.join(DIR, `enriched-${a.rssGb}gb.log`);
    ensureLog(inputs[0].fixture, big, a.rssGb * 1000);
    for (const mode of ['single', 'product']) {
      const r = spawnSync(process.execPath, [__filename, '--rss-child', mode, big], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`rss run failed: ${r.stderr}`);
      const res = JSON.parse(r.stdout) as OurResult & { rssMb: number };
      console.log(
        `${mode === 'single' ? '1 thread' : 'product '}: ${(res.bytes / 1e9).toFixed(2)} GB ENRICHED log: ${res.events} events in ${res.seconds.toFixed(1)} s, ` +
          `${(res.bytes / 1e6 / res.seconds).toFixed(1)} MB/s, peak RSS (process, all threads) ${res.rssMb.toFixed(0)} MB (goal < 150 MB): ${res.rssMb < 150 ? 'PASS' : 'FAIL'}`,
      );
    }
  }
  await auditRangeWorkerPool.close();
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
