import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportableExclusion } from '@fleettune/rules';
import { AUDITD_RULES_FILE_NAME, AuditdRulesExporter } from './auditd-rules-exporter';

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
  const rules = content.split('\n').filter((l) => l.startsWith('-A '));
  assert.equal(rules.length, 3);
  assert.ok(rules.includes(`-A never,exit -F exe=${join(root, 'bin', 'backupd')} -F dir=${join(root, 'cache')} -F perm=rwa`));
  // And the form that mutes executions too, when asked.
  const muted = new AuditdRulesExporter()
    .export(items, { muteExecInDirectories: true })
    .content.split('\n')
    .filter((l) => l.startsWith('-A '));
  assert.equal(muted.length, 3);
  const file = join(root, AUDITD_RULES_FILE_NAME);
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
    assert.equal(spawnSync('auditctl', ['-d', ...m.replace(/^-[aA]\s+/, '').split(/\s+/)], { encoding: 'utf8' }).status, 0);
  } finally {
    // Remove exactly our rules (others may be recording audit logs on this machine).
    let removedAll = true;
    for (const rule of rules) {
      const args = ['-d', ...rule.replace(/^-[aA]\s+/, '').split(/\s+/)];
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

/**
 * The concatenation augenrules --load makes of a rules.d directory, by the host's own augenrules
 * script pointed at our directories (it is not run against /etc/audit: other tests on this
 * machine use the kernel's rule list, which augenrules' -D would wipe).
 */
function augenrulesConcatenation(rulesDir: string, out: string): string {
  const script = readFileSync(execFileSync('sh', ['-c', 'command -v augenrules'], { encoding: 'utf8' }).trim(), 'utf8')
    .replace(/^DestinationFile=.*$/m, `DestinationFile=${out}`)
    .replace(/^SourceRulesDir=.*$/m, `SourceRulesDir=${rulesDir}`);
  assert.ok(script.includes(`SourceRulesDir=${rulesDir}`), 'augenrules script has the expected variables');
  const copy = join(rulesDir, '..', 'augenrules');
  writeFileSync(copy, script, { mode: 0o700 });
  execFileSync('sh', [copy], { encoding: 'utf8' });
  return readFileSync(out, 'utf8');
}

const augenrulesMissing = unavailable ?? (spawnSync('sh', ['-c', 'command -v augenrules']).status === 0 ? undefined : 'augenrules is not installed');

test(
  'auditd export with none of its paths present: augenrules load succeeds, host rules before and after it load, its rules go first',
  { skip: augenrulesMissing },
  () => {
    const root = mkdtempSync(join(tmpdir(), 'fleettune-auditd-absent-'));
    const rulesDir = join(root, 'rules.d');
    mkdirSync(rulesDir);
    mkdirSync(join(root, 'present'));
    const key = `ftabsent${process.pid}`;
    const absent = `/nonexistent-fleettune-${process.pid}`;
    const base = { isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'test' };
    const items: ExportableExclusion[] = [
      { ...base, type: 'audit-exe', value: `${absent}/bin/backupd` },
      { ...base, type: 'audit-dir', value: `${absent}/spool`, isDirectory: true },
      { ...base, type: 'audit-dir', value: `${absent}/cache`, isDirectory: true, evidence: { auditInitiator: `${absent}/bin/backupd` } },
      // One path that exists, to see where the loaded rules land in the list.
      { ...base, type: 'audit-dir', value: join(root, 'present'), isDirectory: true },
    ];
    const exported = new AuditdRulesExporter().export(items).content;
    const hostBefore = `-a always,exit -F arch=b64 -S mknodat -F key=${key}before`;
    const hostAfter = `-a always,exit -F arch=b64 -S mknodat -F key=${key}after`;
    const presentRule = ['never,exit', '-F', `dir=${join(root, 'present')}`, '-F', 'perm=rwa'];
    const cleanUp = () => {
      spawnSync('auditctl', ['-D', '-k', `${key}before`]);
      spawnSync('auditctl', ['-D', '-k', `${key}after`]);
      spawnSync('auditctl', ['-D', '-k', `${key}broken`]);
      spawnSync('auditctl', ['-d', ...presentRule]);
    };
    try {
      // A host's rules.d: its own rules sort before ours (30-), a later file after (99-zz-), and -e moved last.
      writeFileSync(join(rulesDir, '30-host.rules'), `${hostBefore}\n`);
      writeFileSync(join(rulesDir, AUDITD_RULES_FILE_NAME), exported);
      writeFileSync(join(rulesDir, '99-zz-host-later.rules'), `${hostAfter}\n`);
      const concatenated = augenrulesConcatenation(rulesDir, join(root, 'audit.rules'));
      const r = spawnSync('auditctl', ['-R', join(root, 'audit.rules')], { encoding: 'utf8' });
      const listed = execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
      cleanUp();
      assert.equal(r.status, 0, `augenrules' file fails to load:\n${r.stderr}\n${concatenated}`);
      // Each absent path is refused by the kernel and reported, never fatal.
      assert.equal((r.stderr.match(/No such file or directory/g) ?? []).length, 3, r.stderr);
      const lines = listed.split('\n');
      const at = (pred: (l: string) => boolean) => lines.findIndex(pred);
      const before = at((l) => l.includes(`key=${key}before`));
      const after = at((l) => l.includes(`key=${key}after`));
      const ours = at((l) => l.includes(join(root, 'present')));
      assert.ok(before >= 0, `the host rule before our file is loaded:\n${listed}`);
      assert.ok(after >= 0, `the host rule after our file is loaded:\n${listed}`);
      assert.ok(ours >= 0 && ours < before, `our rule is ahead of the host's (first match wins):\n${listed}`);
      assert.ok(!listed.includes(absent), 'no rule of an absent path');

      // The host's own files keep auditctl's semantics: an error there still stops and fails the load.
      writeFileSync(join(rulesDir, '30-host.rules'), `-a always,exit -F dir=${absent}/host -F key=${key}broken\n${hostBefore}\n`);
      augenrulesConcatenation(rulesDir, join(root, 'audit.rules'));
      const strict = spawnSync('auditctl', ['-R', join(root, 'audit.rules')], { encoding: 'utf8' });
      const afterBroken = execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
      cleanUp();
      assert.notEqual(strict.status, 0, 'a broken host rule still fails the load');
      assert.ok(!afterBroken.includes(`key=${key}before`), 'and still stops it there, as without our file');
    } finally {
      cleanUp();
      rmSync(root, { recursive: true, force: true });
    }
    const final = execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
    assert.ok(!final.includes(key) && !final.includes(root), `our rules were removed:\n${final}`);
  },
);
