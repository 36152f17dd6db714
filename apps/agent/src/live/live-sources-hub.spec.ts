import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MDATP_UNNAMED_PROCESS } from '../sources/mdatp-sources';
import { ENROLL_SECRET, HubForAgents, hubTotals, hubUnavailable, reportTotals, runAgent, startHubForAgents } from './live-hub-harness';

/**
 * `run --source X --once` against a real hub (PostgreSQL, gRPC): what the hub
 * stores equals what `report` counts in the same input, for every streamed
 * source; mdatp-rtp polls give exact deltas across a daemon restart.
 */
const unavailable = hubUnavailable();
const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const fixture = (lib: string, name: string) => path.join(REPO, 'libs', lib, 'fixtures', ...name.split('/'));
const SAMPLES = '/work/shared/samples';

let hub: HubForAgents;
before(
  async () => {
    if (!unavailable) hub = await startHubForAgents('agent_live_sources');
  },
  { timeout: 180_000 },
);
after(
  async () => {
    await hub?.close();
  },
  { timeout: 60_000 },
);

let hostNo = 0;
function newHost(): { hostname: string; stateDir: string } {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-live-hub-'));
  return { hostname: `live-${process.pid}-${++hostNo}`, stateDir };
}

async function agentOnce(host: { hostname: string; stateDir: string }, sourceArgs: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await runAgent(
    ['run', '--hub', hub.grpcAddress, '--enroll-secret', ENROLL_SECRET, '--hostname', host.hostname, '--state-dir', host.stateDir, '--once', ...sourceArgs],
    env,
  );
  assert.equal(r.code, 0, r.output);
  return r.output;
}

const CASES: Array<[string, string]> = [
  ['fanotify', fixture('fanotify', 'recorded/text-tt-u.txt')],
  ['fanotify', fixture('fanotify', 'recorded/json-tt-u-e-P.jsonl')],
  ['fanotify', fixture('fanotify', 'recorded/workload-text-t-u-e-P.txt')],
  ['eslogger', fixture('eslogger', 'eslogger_real_captures.jsonl')],
  ['eslogger', fixture('eslogger', 'eslogger_file_events_from_schema.jsonl')],
  ['cisco-support', fixture('cisco', 'ampdaemon.log')],
  ['dtrace-iosnoop', fixture('tracers', 'iosnoop_public_examples.txt')],
  ['dtrace-newproc', fixture('tracers', 'newproc_constructed.txt')],
  ['bcc-execsnoop', fixture('tracers', 'bcc_execsnoop_output_excerpt.txt')],
  ['bcc-opensnoop', fixture('tracers', 'bcc_opensnoop_output_excerpt.txt')],
];

for (const [source, input] of CASES) {
  test(`run --source ${source} --once (${path.basename(input)}): the hub's totals equal report's`, { skip: unavailable, timeout: 180_000 }, async () => {
    const host = newHost();
    await agentOnce(host, ['--source', source, '--input', input]);
    const expected = await reportTotals(source, input);
    assert.ok(expected.events > 0, 'the fixture has events');
    assert.deepEqual(await hubTotals(hub.dbUrl, host.hostname, source), expected);
  });
}

test(
  "several sources in one agent (linux-audit, fanotify, cisco-support): each one's totals at the hub equal report's",
  { skip: unavailable, timeout: 180_000 },
  async () => {
    const host = newHost();
    const inputs: Record<string, string> = {
      'linux-audit': fixture('audit', 'host-b.raw.log'),
      fanotify: fixture('fanotify', 'recorded/text-default.txt'),
      'cisco-support': fixture('cisco', 'ampdaemon.log'),
    };
    await agentOnce(
      host,
      Object.entries(inputs).flatMap(([s, f]) => ['--source', `${s}=${f}`]),
    );
    for (const [source, input] of Object.entries(inputs)) {
      assert.deepEqual(await hubTotals(hub.dbUrl, host.hostname, source, source === 'linux-audit'), await reportTotals(source, input), source);
    }
    // A second run of the same agent finds every input at its checkpoint: nothing is sent twice.
    await agentOnce(
      host,
      Object.entries(inputs).flatMap(([s, f]) => ['--source', `${s}=${f}`]),
    );
    for (const [source, input] of Object.entries(inputs)) {
      assert.deepEqual(
        await hubTotals(hub.dbUrl, host.hostname, source, source === 'linux-audit'),
        await reportTotals(source, input),
        `${source} after a restart`,
      );
    }
  },
);

test(
  'a fanotify window with 60,000 distinct paths (more rows than one batch may hold) reaches the hub whole',
  { skip: unavailable, timeout: 300_000 },
  async () => {
    const host = newHost();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-many-paths-'));
    const input = path.join(dir, 'fatrace.txt');
    const t = Math.floor(Date.now() / 1000) - 3600;
    const lines: string[] = [];
    for (let i = 0; i < 60_000; i++) lines.push(`${t}.${String(i).padStart(6, '0')} cp(${1000 + (i % 7)}): W   /srv/build/out/${i % 97}/object-${i}.o`);
    fs.writeFileSync(input, lines.join('\n') + '\n');
    await agentOnce(host, ['--source', 'fanotify', '--input', input]);
    const expected = await reportTotals('fanotify', input);
    assert.equal(expected.files.length, 60_000);
    assert.deepEqual(await hubTotals(hub.dbUrl, host.hostname, 'fanotify'), expected);
  },
);

interface RtpCounter {
  id: number;
  name: string | null;
  path: string | null;
  totalFilesScanned: string;
  totalScanTime: string;
  [k: string]: unknown;
}

test(
  'mdatp-rtp polling: growing counters send exact deltas; a restarted daemon neither goes negative nor doubles',
  { skip: unavailable, timeout: 180_000 },
  async () => {
    const host = newHost();
    const real = JSON.parse(fs.readFileSync(path.join(SAMPLES, 'mdatp_rtp_statistics_macos_excerpt.json'), 'utf8')) as { counters: RtpCounter[] };
    const grow = (c: RtpCounter, i: number, files: (n: number) => number): RtpCounter => ({
      ...c,
      totalFilesScanned: String(files(Number(c.totalFilesScanned))),
      totalScanTime: String(BigInt(c.totalScanTime) + BigInt(1000 * (i + 1))),
    });
    const polls = [
      real, // baseline: counts since the daemon started, span unknown
      { counters: real.counters.map((c, i) => grow(c, i, (n) => n + 10 * (i + 1))) }, // +10, +20, ... files
      // The daemon restarted: every counter starts again from a few files.
      { counters: real.counters.map((c, i) => ({ ...c, totalFilesScanned: String(i + 1), totalScanTime: String(1000 * (i + 1)) })) },
    ];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-mdatp-poll-'));
    polls.forEach((p, i) => fs.writeFileSync(path.join(dir, `poll${i}.json`), JSON.stringify(p, null, 2) + '\n'));
    const counterFile = path.join(dir, 'next');
    fs.writeFileSync(counterFile, '0');
    // Prints the next recorded poll each time it runs, as mdatp would print the current counters.
    const command = `n=$(cat ${counterFile}); cat ${dir}/poll$n.json; echo $((n + 1)) > ${counterFile}`;

    const key = (c: RtpCounter) => c.path ?? c.name ?? MDATP_UNNAMED_PROCESS;
    const expected = new Map<string, number>();
    const expect = (i: number, n: number) => expected.set(key(real.counters[i]), (expected.get(key(real.counters[i])) ?? 0) + n);

    // Each --once is a separate agent process: the delta tracker's counters survive in the state dir.
    await agentOnce(host, ['--source', 'mdatp-rtp'], { FLEETTUNE_MDATP_RTP_COMMAND: command });
    let got = await hubTotals(hub.dbUrl, host.hostname, 'mdatp-rtp');
    assert.equal(got.events, 0, 'the first poll is a baseline only');

    const second = await agentOnce(host, ['--source', 'mdatp-rtp'], { FLEETTUNE_MDATP_RTP_COMMAND: command });
    real.counters.forEach((_, i) => expect(i, 10 * (i + 1)));
    got = await hubTotals(hub.dbUrl, host.hostname, 'mdatp-rtp');
    assert.deepEqual(new Map(got.execs.map((e) => [e.path, e.count])), expected, second);

    const out = await agentOnce(host, ['--source', 'mdatp-rtp'], { FLEETTUNE_MDATP_RTP_COMMAND: command });
    assert.match(out, /daemon restarted/);
    real.counters.forEach((_, i) => expect(i, i + 1));
    got = await hubTotals(hub.dbUrl, host.hostname, 'mdatp-rtp');
    assert.deepEqual(new Map(got.execs.map((e) => [e.path, e.count])), expected);
    assert.equal(
      got.events,
      [...expected.values()].reduce((a, b) => a + b, 0),
    );
    assert.ok(got.execs.every((e) => e.count > 0));

    // report on the same three polls (appended to one file) counts the same deltas.
    const all = path.join(dir, 'all.json');
    fs.writeFileSync(all, polls.map((p) => JSON.stringify(p) + '\n').join(''));
    const rep = await reportTotals('mdatp-rtp', all);
    assert.deepEqual(new Map(rep.execs.map((e) => [e.path, e.count])), expected);
  },
);
