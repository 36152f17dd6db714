/**
 * Test helpers for specs that use this machine's kernel audit (root only).
 * Not exported from the package index; import '@fleettune/host-cost/dist/testing/audit-kernel'.
 * Other engineers may use auditd at the same time: an auditd already running
 * is used as is; otherwise a private one is started (-n, own config dir, log
 * under a temp dir) and only that one is stopped. Only rules added through
 * addRule() are deleted. Specs on this machine that use audit serialize on
 * a lock file so two of them never start two daemons.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAuditdConf } from '../auditd-conf';
import { parseAuditctlStatus } from '../auditctl';

/** Why kernel audit cannot be used here, or undefined when it can. */
export function auditUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root';
  if (spawnSync('sh', ['-c', 'command -v auditctl && command -v auditd'], { encoding: 'utf8' }).status !== 0) return 'auditd/auditctl not installed';
  const s = spawnSync('auditctl', ['-s'], { encoding: 'utf8' });
  if (s.status !== 0) return `auditctl -s fails: ${(s.stderr || s.stdout).trim()}`;
  return undefined;
}

const LOCK = path.join(os.tmpdir(), 'fleettune-audit-kernel.lock');

async function lock(timeoutMs = 780_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = fs.openSync(LOCK, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => fs.rmSync(LOCK, { force: true });
    } catch {
      // A lock left by a dead process is stale.
      const holder = Number(fs.readFileSync(LOCK, 'utf8') || 0);
      let alive = false;
      try {
        if (holder) process.kill(holder, 0);
        alive = holder > 0;
      } catch {
        alive = false;
      }
      if (!alive) fs.rmSync(LOCK, { force: true });
      else if (Date.now() > deadline) throw new Error(`audit lock ${LOCK} held by ${holder}`);
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export interface AuditSession {
  /** pid of the auditd in use. */
  auditdPid: number;
  /** Whether this session started it (then it stops it). */
  started: boolean;
  logFile: string;
  /** auditctl -a/-A arguments; remembered and deleted with -d on close. */
  addRule(args: string[]): void;
  status(): ReturnType<typeof parseAuditctlStatus>;
  close(): Promise<void>;
}

const auditctl = (args: string[]) => execFileSync('auditctl', args, { encoding: 'utf8' });

function runningAuditdPid(): number | undefined {
  const r = spawnSync('pgrep', ['-x', 'auditd'], { encoding: 'utf8' });
  const pids = r.stdout.split('\n').filter(Boolean).map(Number);
  const st = parseAuditctlStatus(auditctl(['-s']));
  return st && st.pid > 0 && pids.includes(st.pid) ? st.pid : pids[0];
}

function logFileOf(pid: number): string {
  const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const i = argv.indexOf('-c');
  const conf = i >= 0 ? path.join(argv[i + 1], 'auditd.conf') : '/etc/audit/auditd.conf';
  return parseAuditdConf(fs.readFileSync(conf, 'utf8')).logFile ?? '/var/log/audit/audit.log';
}

/** Uses the running auditd, or starts a private one; always under the machine-wide audit lock. */
export async function openAuditSession(log: (m: string) => void = () => undefined): Promise<AuditSession> {
  const unlock = await lock();
  const rules: string[][] = [];
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  const prevEnabled = parseAuditctlStatus(auditctl(['-s']))?.enabled ?? 0;
  try {
    let pid = runningAuditdPid();
    let logFile: string;
    if (pid) {
      logFile = logFileOf(pid);
      log(`using the running auditd ${pid} (${logFile})`);
    } else {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-auditd-'));
      logFile = path.join(dir, 'audit.log');
      const conf = fs
        .readFileSync('/etc/audit/auditd.conf', 'utf8')
        .replace(/^log_file.*$/m, `log_file = ${logFile}`)
        .replace(/^max_log_file .*$/m, 'max_log_file = 256');
      fs.writeFileSync(path.join(dir, 'auditd.conf'), conf, { mode: 0o640 });
      child = spawn('auditd', ['-n', '-c', dir], { stdio: 'ignore' });
      const deadline = Date.now() + 10_000;
      while (!(parseAuditctlStatus(auditctl(['-s']))?.pid === child.pid)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error('private auditd did not register');
        await new Promise((r) => setTimeout(r, 100));
      }
      pid = child.pid!;
      log(`started a private auditd ${pid} (${dir})`);
    }
    if (prevEnabled === 0) auditctl(['-e', '1']);
    return {
      auditdPid: pid,
      started: !!child,
      logFile,
      addRule(args) {
        auditctl(args);
        rules.push(args);
      },
      status: () => parseAuditctlStatus(auditctl(['-s'])),
      async close() {
        try {
          for (const r of rules.reverse()) {
            const d = ['-d', ...r.slice(1)];
            const res = spawnSync('auditctl', d, { encoding: 'utf8' });
            if (res.status !== 0) log(`auditctl ${d.join(' ')} failed: ${res.stderr}`);
          }
          if (child) {
            child.kill('SIGTERM');
            await new Promise((r) => (child!.exitCode !== null ? r(null) : child!.once('exit', r)));
          }
          // Leave auditing as found, unless someone else has rules loaded now.
          if (prevEnabled === 0 && /^No rules/m.test(auditctl(['-l'])) && !runningAuditdPid()) auditctl(['-e', '0']);
          if (dir) fs.rmSync(dir, { recursive: true, force: true });
        } finally {
          unlock();
        }
      },
    };
  } catch (err) {
    child?.kill('SIGTERM');
    unlock();
    throw err;
  }
}

/** Copies /bin/true to a private path and runs it in a loop (one shell) until stopped: a noisy exec workload. */
export function startNoisyExecs(dir: string, name = 'fthc-noisy'): { binary: string; shellPid: number; stop(): Promise<void> } {
  const binary = path.join(dir, name);
  fs.copyFileSync('/bin/true', binary);
  fs.chmodSync(binary, 0o755);
  const child = spawn('sh', ['-c', `while :; do "${binary}"; done`], { stdio: 'ignore' });
  return {
    binary,
    shellPid: child.pid!,
    async stop() {
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

/** `ps -o cputimes=,rss= -p PID`: CPU seconds (whole) and RSS kB, as ps reports them. */
export function psCpuRss(pid: number): { cpuSeconds: number; rssKb: number } {
  const [cpu, rss] = execFileSync('ps', ['-o', 'cputimes=,rss=', '-p', String(pid)], { encoding: 'utf8' })
    .trim()
    .split(/\s+/)
    .map(Number);
  return { cpuSeconds: cpu, rssKb: rss };
}
