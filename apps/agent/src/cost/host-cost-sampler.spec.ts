import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { HostCostSampler } from './host-cost-sampler';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const FIXTURES = path.join(ROOT, 'libs', 'host-cost', 'fixtures');
const fx = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

test('auditctl -s runs every sample, auditctl -l once per window; every sample and window still carries the rules', () => {
  // A /proc with the recorded auditd (pid 11002) in it.
  const procRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'fthc-proc-'));
  try {
    fs.mkdirSync(path.join(procRoot, '11002'));
    fs.writeFileSync(path.join(procRoot, '11002', 'stat'), fx('proc-stat.auditd.txt'));
    fs.writeFileSync(path.join(procRoot, '11002', 'status'), fx('proc-status.auditd.txt'));
    const calls: string[] = [];
    let now = 1_800_000_000_000; // on a minute boundary
    const sampler = new HostCostSampler({
      windowMs: 60_000,
      intervalMs: 10_000,
      processes: [{ pattern: 'auditd', product: 'auditd' }],
      auditd: true,
      auditdConf: path.join(FIXTURES, 'auditd.conf.private'),
      platform: 'linux',
      procRoot,
      now: () => now,
      runCommand: (cmd, args) => {
        calls.push(`${cmd} ${args.join(' ')}`);
        return cmd === 'auditctl' && args[0] === '-s'
          ? fx('auditctl-s.running.txt')
          : cmd === 'auditctl' && args[0] === '-l'
            ? fx('auditctl-l.txt')
            : undefined;
      },
    });
    const ruleCounts: number[] = [];
    for (let i = 0; i <= 12; i++, now += 10_000) ruleCounts.push(sampler.sample().auditd?.rules?.length ?? -1);
    assert.equal(calls.filter((c) => c === 'auditctl -s').length, 13, 'lost and backlog read at every sample');
    assert.equal(calls.filter((c) => c === 'auditctl -l').length, 3, 'rules read at 0, 60 and 120 s only');
    assert.deepEqual(ruleCounts, Array(13).fill(4), 'every sample carries the rules read last');
    const windows = sampler.takeWindows();
    assert.equal(windows.length, 2);
    for (const w of windows) assert.equal(w.auditd?.rulesTotal, 4);
    // A clock set back (NTP step) reads the rules again rather than trusting a reading "from the future".
    now -= 600_000;
    sampler.sample();
    assert.equal(calls.filter((c) => c === 'auditctl -l').length, 4);
  } finally {
    fs.rmSync(procRoot, { recursive: true, force: true });
  }
});

test('/proc is scanned whole once per window; a product started in between is found at the next scan with all its CPU', () => {
  const procRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'fthc-proc-'));
  // pid, comm, utime+stime ticks, start time ticks (fields 3.. of /proc/<pid>/stat; 22 fields after the comm).
  const writeProc = (pid: number, comm: string, ticks: number, start: number) => {
    fs.mkdirSync(path.join(procRoot, String(pid)), { recursive: true });
    const after = ['S', '1', pid, pid, '0', '-1', '4194560', '0', '0', '0', '0', ticks, '0', '0', '0', '20', '0', '1', '0', start, '1000', '100'];
    fs.writeFileSync(path.join(procRoot, String(pid), 'stat'), `${pid} (${comm}) ${after.join(' ')} 0 0\n`);
    fs.writeFileSync(path.join(procRoot, String(pid), 'status'), `Name:\t${comm}\nPid:\t${pid}\nVmRSS:\t 1000 kB\nVmHWM:\t 1200 kB\n`);
  };
  try {
    writeProc(100, 'auditd', 1000, 50);
    writeProc(200, 'bash', 5, 60);
    let now = 1_800_000_000_000;
    const sampler = new HostCostSampler({
      windowMs: 60_000,
      intervalMs: 10_000,
      processes: [
        { pattern: 'auditd', product: 'auditd' },
        { pattern: 'wdavdaemon', product: 'mdatp' },
      ],
      auditd: false,
      platform: 'linux',
      procRoot,
      now: () => now,
    });
    const pidsAt = () => sampler.sample().processes.map((p) => `${p.pid}:${p.cpuTicks}`);
    assert.deepEqual(pidsAt(), ['100:1000'], 'full scan: the product, not bash');
    now += 10_000;
    writeProc(100, 'auditd', 1100, 50);
    writeProc(300, 'wdavdaemon', 700, 900); // started after the scan, with 7 s of CPU already
    assert.deepEqual(pidsAt(), ['100:1100'], 'between scans only the known products are read');
    now += 10_000;
    // pid 100 exits and its pid is reused by another program: dropped, not counted as auditd.
    writeProc(100, 'sleep', 0, 2000);
    assert.deepEqual(pidsAt(), []);
    const later: string[][] = [];
    for (let i = 0; i < 4; i++) {
      now += 10_000;
      later.push(pidsAt());
    }
    // 60 s after the first scan, the sample on the window boundary scans the whole of /proc again.
    assert.deepEqual(later, [[], [], [], ['300:700']]);
    const [first] = sampler.takeWindows();
    const cpuMs = (product: string) => first.products.filter((p) => p.product === product).reduce((n, p) => n + p.cpuMs, 0);
    assert.equal(cpuMs('auditd'), 1000, "auditd's 100 ticks between the first two samples");
    assert.equal(cpuMs('mdatp'), 7000, "the late-found product's CPU since it started, in the window it was found in");
  } finally {
    fs.rmSync(procRoot, { recursive: true, force: true });
  }
});
