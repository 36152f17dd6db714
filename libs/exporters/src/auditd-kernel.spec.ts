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
    { ...base, type: 'path', value: join(root, 'cache'), isDirectory: true },
    { ...base, type: 'wildcard', value: join(root, 'cache', '*.tmp') },
  ];
  const { content, skipped, partial } = new AuditdRulesExporter().export(items);
  assert.equal(skipped.length, 1, 'the wildcard has no auditd form');
  assert.equal(partial?.length, 1, 'apply-to-children is only partly expressible');
  const rules = content.split('\n').filter((l) => l.startsWith('-a '));
  assert.equal(rules.length, 4);
  const file = join(root, '10-fleettune-exclusions.rules');
  writeFileSync(file, content);

  const before = execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
  const wasEmpty = /^No rules/m.test(before);
  let loaded = '';
  try {
    const r = spawnSync('auditctl', ['-R', file], { encoding: 'utf8' });
    loaded = execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `auditctl -R failed: ${r.stderr}${r.stdout}`);
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
    const [, field, value] = /-F (exe|dir)=(\S+)$/.exec(rule)!;
    assert.ok(loaded.includes(`${field}=${value}`), `kernel rule list lacks ${field}=${value}:\n${loaded}`);
  }
  const final = execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
  assert.ok(!final.includes(root), 'our rules were removed');
});
