import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ABSENT_PATH_REASON,
  AGENT_AUDITD_RULE_KEY,
  HostAuditdItem,
  PathKind,
  agentRulesInListing,
  auditctlArgs,
  diffAuditdRules,
  planHostAuditdRules,
  renderHostRulesFile,
  ruleLinesOf,
} from './auditd-host-rules';

const host: Record<string, PathKind> = {
  '/opt/app/bin/syncd': 'file',
  '/opt/app/cache': 'directory',
  '/var/spool/app': 'directory',
  '/usr/bin/backupd': 'file',
};
const kindOf = (p: string): PathKind => host[p] ?? 'absent';
const item = (itemId: string, type: string, value: string, initiator?: string): HostAuditdItem => ({
  itemId,
  type,
  value,
  ...(initiator ? { initiator } : {}),
});

test('only items whose paths all exist on the host make rules; the others are skipped with the reason', () => {
  const plan = planHostAuditdRules(
    [
      item('1', 'audit-exe', '/opt/app/bin/syncd'),
      item('2', 'audit-exe', '/opt/other/bin/agentd'),
      item('3', 'audit-dir', '/var/spool/app'),
      item('4', 'audit-dir', '/opt/app/cache', '/usr/bin/backupd'),
      // The -x form with its program absent: skipped, never widened to the whole directory.
      item('5', 'audit-dir', '/var/spool/app', '/usr/bin/gone'),
      item('6', 'audit-dir', '/opt/app/bin/syncd'),
      item('7', 'audit-exe', '/opt/app/cache'),
      item('8', 'process', '/opt/app/bin/syncd'),
      item('9', 'audit-exe', '/opt/app/bin/sync d'),
      item('10', 'audit-exe', '/Applications/App.app/Contents/MacOS/App'),
    ],
    kindOf,
  );
  assert.deepEqual(
    plan.rules.map((r) => r.line),
    [
      `-A never,exit -F exe=/opt/app/bin/syncd -F key=${AGENT_AUDITD_RULE_KEY}`,
      `-A never,exit -F dir=/var/spool/app -F perm=rwa -F key=${AGENT_AUDITD_RULE_KEY}`,
      `-A never,exit -F exe=/usr/bin/backupd -F dir=/opt/app/cache -F perm=rwa -F key=${AGENT_AUDITD_RULE_KEY}`,
    ],
  );
  const skipped = new Map(plan.skipped.map((s) => [s.item.itemId, s.reason]));
  assert.deepEqual([...skipped.keys()], ['2', '5', '6', '7', '8', '9', '10']);
  assert.equal(skipped.get('2'), ABSENT_PATH_REASON);
  assert.match(skipped.get('5')!, /\/usr\/bin\/gone is not present on this host.*never widened/);
  assert.equal(skipped.get('6'), 'not a directory on this host');
  assert.equal(skipped.get('7'), 'not a file on this host');
  assert.match(skipped.get('8')!, /no auditd rule/);
  assert.match(skipped.get('9')!, /whitespace/);
  assert.match(skipped.get('10')!, /macOS/);
});

test('two items making the same rule load it once', () => {
  const plan = planHostAuditdRules([item('a', 'audit-exe', '/usr/bin/backupd'), item('b', 'audit-exe', '/usr/bin/backupd')], kindOf);
  assert.equal(plan.rules.length, 1);
  assert.deepEqual(plan.skipped, [{ item: item('b', 'audit-exe', '/usr/bin/backupd'), reason: 'the same rule as another approved item' }]);
});

test('a path auditd cannot carry is skipped before the host is asked whether it exists', () => {
  const asked: string[] = [];
  planHostAuditdRules([item('1', 'audit-exe', 'relative/path'), item('2', 'audit-dir', '/tmp/x*')], (p) => {
    asked.push(p);
    return 'file';
  });
  assert.deepEqual(asked, []);
});

// As auditctl -l printed these rules on Debian 12 (auditctl 3.0.9): the dir+perm rule in its watch form.
const LISTING = [
  '-a always,exit -F arch=b64 -S execve -F key=exec',
  `-a never,exit -S all -F exe=/usr/bin/backupd -F dir=/opt/app/cache -F perm=rwa -F key=${AGENT_AUDITD_RULE_KEY}`,
  `-w /var/spool/app -p rwa -k ${AGENT_AUDITD_RULE_KEY}`,
  `-a never,exit -S all -F exe=/opt/old/bin/gone -F key=${AGENT_AUDITD_RULE_KEY}`,
  // The host's own rules, one of them even an exclusion of the same program: never ours.
  '-a never,exit -S all -F exe=/opt/app/bin/syncd',
  '-w /etc/passwd -p wa -k identity',
  `-w /etc/shadow -p wa -k ${AGENT_AUDITD_RULE_KEY}`,
  `-a always,exit -F arch=b64 -S mknodat -F key=${AGENT_AUDITD_RULE_KEY}`,
  `-a never,exit -S all -F exe=/x -F uid=0 -F key=${AGENT_AUDITD_RULE_KEY}`,
].join('\n');

test("the agent's rules in auditctl -l are exactly the shapes it writes, with its key", () => {
  assert.deepEqual(agentRulesInListing(LISTING), [{ exe: '/usr/bin/backupd', dir: '/opt/app/cache' }, { dir: '/var/spool/app' }, { exe: '/opt/old/bin/gone' }]);
  assert.deepEqual(agentRulesInListing('No rules'), []);
});

test('diff: planned rules present or missing, and our rules no longer planned are stale; the host rules are never touched', () => {
  const plan = planHostAuditdRules(
    [item('1', 'audit-exe', '/opt/app/bin/syncd'), item('3', 'audit-dir', '/var/spool/app'), item('4', 'audit-dir', '/opt/app/cache', '/usr/bin/backupd')],
    kindOf,
  );
  const d = diffAuditdRules(plan.rules, LISTING + `\n-w /var/spool/app -p rwa -k ${AGENT_AUDITD_RULE_KEY}`);
  assert.deepEqual(
    d.present.map((r) => r.item.itemId),
    ['3', '4'],
  );
  assert.deepEqual(
    d.missing.map((r) => r.item.itemId),
    ['1'],
  );
  // The removed item's rule, and the second copy of a rule.
  assert.deepEqual(d.stale, [{ exe: '/opt/old/bin/gone' }, { dir: '/var/spool/app' }]);
  assert.deepEqual(auditctlArgs('delete', d.stale[0]), ['-d', 'never,exit', '-F', 'exe=/opt/old/bin/gone', '-F', `key=${AGENT_AUDITD_RULE_KEY}`]);
  // Nothing planned (the set rejected): every rule of ours is stale, still none of the host's.
  assert.equal(diffAuditdRules([], LISTING).stale.length, 3);
});

test('the rules file: -i first, the rules, the skipped items as comments a hostile value cannot break out of', () => {
  const plan = planHostAuditdRules([item('1', 'audit-exe', '/opt/app/bin/syncd'), item('2', 'audit-exe', '/opt/x\n-D')], kindOf);
  const content = renderHostRulesFile({ setVersion: 7, etag: 'abc', ...plan });
  const lines = content.split('\n');
  assert.equal(lines.filter((l) => !l.startsWith('##') && l !== '').join('|'), `-i|-A never,exit -F exe=/opt/app/bin/syncd -F key=${AGENT_AUDITD_RULE_KEY}`);
  assert.ok(!lines.includes('-D'));
  assert.deepEqual(ruleLinesOf(content), [plan.rules[0].line]);
});
