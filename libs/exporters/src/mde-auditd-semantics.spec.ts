import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ExportableExclusion } from '@fleettune/rules';
import { EXPORT_FORMATS } from './export-formats';
import { MDE_CHILD_SCOPE_REASON } from './mdatp-exclusion-mapping';
import { AUDITD_MAC_PATH_REASON, AUDITD_NOT_AUDIT_EVIDENCE_REASON, AuditdRulesExporter } from './auditd-rules-exporter';

// Issue 19 item 6: MDE process exclusions have no child scope, and auditd rules are for what audit data showed.
const base = { isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'test' };
const parent: ExportableExclusion = { ...base, type: 'process', value: '/opt/jamf/bin/jamf', user: 'root', applyToChildren: true };
const plain: ExportableExclusion = { ...base, type: 'process', value: '/opt/acme/bin/acme-helper' };
/** An auditd directory item, with the one program seen writing it when known. */
const auditDir = (value: string, auditInitiator?: string): ExportableExclusion => ({
  ...base,
  type: 'audit-dir',
  value,
  isDirectory: true,
  ...(auditInitiator ? { evidence: { auditInitiator } } : {}),
});
const MDE = ['mdatp-json', 'mdatp-cli', 'mdatp-plist'] as const;

test('MDE: a child-scoped process item is refused with its reason in every MDE format, never exported as the process alone', () => {
  for (const id of MDE) {
    const { content, skipped } = EXPORT_FORMATS[id].exporter.export([parent, plain]);
    assert.deepEqual(
      skipped.map((s) => [s.item.value, s.reason]),
      [['/opt/jamf/bin/jamf', MDE_CHILD_SCOPE_REASON]],
      id,
    );
    assert.ok(content.includes('/opt/acme/bin/acme-helper'), `${id}: the plain process item is exported`);
    const written = content.split('\n').filter((l) => !l.startsWith('#'));
    assert.ok(!written.some((l) => l.includes('/opt/jamf/bin/jamf')), `${id} exports the parent without its children`);
  }
  // The script says what it leaves out, so whoever runs it sees it.
  const cli = EXPORT_FORMATS['mdatp-cli'].exporter.export([parent]).content;
  assert.match(cli, /^# not exported: \/opt\/jamf\/bin\/jamf: apply-to-children has no Defender equivalent/m);
});

test('property: no MDE export ever carries a child-scoped item, and each one is accounted for in skipped', () => {
  const item = fc.record({
    type: fc.constantFrom('process' as const, 'path' as const, 'wildcard' as const, 'extension' as const),
    value: fc.constantFrom('/opt/a/bin/a', '/opt/b/bin/b', '/var/lib/c', '/var/cache/d/*.tmp', '.journal'),
    applyToChildren: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(item, { minLength: 1, maxLength: 12 }), (specs) => {
      const items: ExportableExclusion[] = specs.map((s) => ({ ...base, ...s }));
      for (const id of MDE) {
        const { content, skipped } = EXPORT_FORMATS[id].exporter.export(items);
        for (const it of items) {
          if (it.type !== 'process' || !it.applyToChildren) continue;
          // Never silent: every child-scoped item is in skipped, with the child-scope reason when nothing else refused it first.
          const s = skipped.find((x) => x.item === it);
          assert.ok(s, `${id}: ${it.value} not accounted for`);
          if (it.value.startsWith('/')) assert.equal(s.reason, MDE_CHILD_SCOPE_REASON);
        }
        // Nothing written names a value that only child-scoped items carry.
        const onlyChildScoped = [...new Set(items.map((i) => i.value))].filter((v) =>
          items.filter((i) => i.value === v).every((i) => i.type === 'process' && i.applyToChildren),
        );
        const written = content
          .split('\n')
          .filter((l) => !l.startsWith('#'))
          .join('\n');
        for (const v of onlyChildScoped) assert.ok(!written.includes(v), `${id} writes ${v}`);
      }
    }),
    { numRuns: 100 },
  );
});

test('auditd: only audit-evidenced items; RTP/exec process items, paths and macOS paths are skipped with why', () => {
  const items: ExportableExclusion[] = [
    { ...base, type: 'audit-exe', value: '/opt/backup/bin/backupd' },
    auditDir('/var/lib/backupd/spool'),
    // A process noisy only in Defender's files scanned, and a parent with children: AV items.
    { ...base, type: 'process', value: '/opt/indexer/bin/indexer' },
    parent,
    { ...base, type: 'path', value: '/var/lib/acme/spool', isDirectory: true },
    // A Mac path reaching the auditd export (a mixed set): never a rule.
    auditDir('/Users/Shared/Acme/cache'),
    { ...base, type: 'audit-exe', value: '/Applications/Acme.app/Contents/MacOS/Acme' },
  ];
  const { content, skipped } = new AuditdRulesExporter().export(items);
  const rules = content.split('\n').filter((l) => l.startsWith('-A '));
  assert.deepEqual(rules, ['-A never,exit -F exe=/opt/backup/bin/backupd', '-A never,exit -F dir=/var/lib/backupd/spool -F perm=rwa']);
  const why = new Map(skipped.map((s) => [s.item.value, s.reason]));
  assert.equal(why.get('/opt/indexer/bin/indexer'), AUDITD_NOT_AUDIT_EVIDENCE_REASON);
  assert.equal(why.get('/opt/jamf/bin/jamf'), AUDITD_NOT_AUDIT_EVIDENCE_REASON);
  assert.equal(why.get('/var/lib/acme/spool'), AUDITD_NOT_AUDIT_EVIDENCE_REASON);
  assert.equal(why.get('/Users/Shared/Acme/cache'), AUDITD_MAC_PATH_REASON);
  assert.equal(why.get('/Applications/Acme.app/Contents/MacOS/Acme'), AUDITD_MAC_PATH_REASON);
});

test('auditd: a directory rule keeps executions recorded unless asked to mute them', () => {
  const dir = auditDir('/var/lib/backupd/spool');
  const kept = new AuditdRulesExporter().export([dir]).content;
  assert.match(kept, /^-A never,exit -F dir=\/var\/lib\/backupd\/spool -F perm=rwa$/m);
  assert.match(kept, /executions from the directory are still recorded/);
  const muted = new AuditdRulesExporter().export([dir], { muteExecInDirectories: true }).content;
  assert.match(muted, /^-A never,exit -F dir=\/var\/lib\/backupd\/spool$/m);
});

test("auditd: the guide's -x form (initiator + directory) for a directory one program writes", () => {
  const spool = auditDir('/var/lib/backupd/spool', '/opt/backup/bin/backupd');
  const spaced = auditDir('/var/lib/other', '/opt/My App/bin/app');
  const rules = new AuditdRulesExporter()
    .export([spool, spaced])
    .content.split('\n')
    .filter((l) => l.startsWith('-A '));
  assert.deepEqual(rules, [
    '-A never,exit -F exe=/opt/backup/bin/backupd -F dir=/var/lib/backupd/spool -F perm=rwa',
    // An initiator auditctl cannot carry falls back to the whole directory (-d).
    '-A never,exit -F dir=/var/lib/other -F perm=rwa',
  ]);
  const muted = new AuditdRulesExporter().export([spool], { muteExecInDirectories: true }).content;
  assert.match(muted, /^-A never,exit -F exe=\/opt\/backup\/bin\/backupd -F dir=\/var\/lib\/backupd\/spool$/m);
});
