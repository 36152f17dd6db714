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
