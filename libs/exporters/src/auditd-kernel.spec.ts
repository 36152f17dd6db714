import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportableExclusion } from '@fleettune/rules';
import { AuditdRulesExporter } from './auditd-rules-exporter';

/** Why kernel audit cannot be used here, or undefined when it can. */
function auditUnavailable(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root';
  const which = spawnSync('sh', ['-c', 'command -v auditctl'], { encoding: 'utf8' });
  if (which.status !== 0) return 'auditctl is not installed';
  const status = spawnSync('auditctl', ['-s'], { encoding: 'utf8' });
  if (status.status !== 0) return `auditctl -s fails: ${(status.stderr || status.stdout).trim()}`;
  return undefined;
}

const unavailable = auditUnavailable();

test('auditd export loads into the kernel with auditctl -R', { skip: unavailable }, () => {
  // exe= and dir= rules need paths that exist on this machine.
  const root = mkdtempSync(join(tmpdir(), 'fleettune-auditd-'));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'spool'));
  mkdirSync(join(root, 'cache'));
  copyFileSync('/bin/true', join(root, 'bin', 'syncagent'));
  copyFileSync('/bin/true', join(root, 'bin', 'backupd'));
  const base = { isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'test' };
  const items: ExportableExclusion[] = [
    { ...base, type: 'process', value: join(root, 'bin', 'syncagent'), applyToChildren: true },
    { ...base, type: 'audit-exe', value: join(root, 'bin', 'backupd') },
    { ...base, type: 'audit-dir', value: join(root, 'spool'), isDirectory: true },
    // The -x form: one initiator in one directory.
    { ...base, type: 'audit-dir', value: join(root, 'cache'), isDirectory: true, evidence: { auditInitiator: join(root, 'bin', 'backupd') } },
    { ...base, type: 'path', value: join(root, 'cache'), isDirectory: true },
    { ...base, type: 'wildcard', value: join(root, 'cache', '*.tmp') },
  ];
  const { content, skipped } = new AuditdRulesExporter().export(items);
  // Since issue 19 only audit-evidenced items are written: the process and path items (AV data) are
  // skipped with the wildcard; the directory rule keeps executions recorded (perm=rwa).
  assert.deepEqual(skipped.map((s) => s.item.type).sort(), ['path', 'process', 'wildcard']);
  const rules = content.split('\n').filter((l) => l.startsWith('-a '));
  assert.equal(rules.length, 3);
  assert.ok(rules.includes(`-a never,exit -F exe=${join(root, 'bin', 'backupd')} -F dir=${join(root, 'cache')} -F perm=rwa`));
  // And the form that mutes executions too, when asked.
  const muted = new AuditdRulesExporter().export(items, { muteExecInDirectories: true }).content.split('\n').filter((l) => l.startsWith('-a '));
  assert.equal(muted.length, 3);
  const file = join(root, '10-fleettune-exclusions.rules');
  writeFileSync(file, content);

  const before = execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
  const wasEmpty = /^No rules/m.test(before);
  let loaded = '';
  try {
    const r = spawnSync('auditctl', ['-R', file], { encoding: 'utf8' });
    loaded = execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `auditctl -R failed: ${r.stderr}${r.stdout}`);
    // The muting form loads too (added and removed on its own: same directory, different rule).
    const m = muted.find((l) => / -F dir=/.test(l))!;
    const added = spawnSync('auditctl', m.split(/\s+/), { encoding: 'utf8' });
    assert.equal(added.status, 0, `auditctl ${m} failed: ${added.stderr}`);
    assert.equal(spawnSync('auditctl', ['-d', ...m.replace(/^-a\s+/, '').split(/\s+/)], { encoding: 'utf8' }).status, 0);
  } finally {
    // Remove exactly our rules (others may be recording audit logs on this machine).
    let removedAll = true;
    for (const rule of rules) {
      const args = ['-d', ...rule.replace(/^-a\s+/, '').split(/\s+/)];
      if (spawnSync('auditctl', args, { encoding: 'utf8' }).status !== 0) removedAll = false;
    }
    const after = execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
    if (!removedAll && wasEmpty && rules.some((r) => after.includes(r.split('=').pop()!))) execFileSync('auditctl', ['-D']);
    rmSync(root, { recursive: true, force: true });
  }
  for (const rule of rules) {
    const [, field, value] = /-F (exe|dir)=(\S+)/.exec(rule)!;
    // auditctl -l lists a dir rule with a perm filter in its watch form (-w <dir> -p rwa).
    const listed = loaded.includes(`${field}=${value}`) || (field === 'dir' && loaded.includes(`-w ${value} -p rwa`));
    assert.ok(listed, `kernel rule list lacks ${field}=${value}:\n${loaded}`);
  }
  const final = execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
  assert.ok(!final.includes(root), 'our rules were removed');
});
