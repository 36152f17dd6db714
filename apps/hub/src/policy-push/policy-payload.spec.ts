import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExclusionItemView } from '../exclusions/exclusion-sets.service';
import { allExports, pushedItems } from './policy-payload';

// A pushed set's auditd export writes the same -x rule (initiator + directory) as the REST export:
// the initiator travels with the pushed item (issue 19 item 6).
test('pushed items keep the audit-dir initiator, so the pushed auditd export has the -x form', () => {
  const evidence = {
    hosts: 3,
    hostsReporting: 3,
    prevalence: 1,
    totalCount: 6000,
    peakWindowCount: 2000,
    peakRatePerSecond: 1.7,
    firstSeenMs: 0,
    lastSeenMs: 0,
    sampleHostIds: [],
    auditInitiator: '/opt/backup/bin/backupd',
    auditInitiatorShare: 1,
  };
  const item = {
    id: 'i1',
    type: 'audit-dir',
    value: '/var/lib/backupd/spool',
    isDirectory: true,
    user: '',
    applyToChildren: false,
    globalScopeEligible: true,
    reason: 'audit records about files in this directory',
    risk: { level: 'medium', flags: ['directory'] },
    evidence,
    decision: { status: 'approved', decidedBy: 'approver', decidedAt: new Date(0) },
  } as unknown as ExclusionItemView;
  const pushed = pushedItems([item]);
  assert.equal(pushed[0].evidence?.auditInitiator, '/opt/backup/bin/backupd');
  const rules = allExports(pushed)
    ['auditd-rules'].content.split('\n')
    .filter((l) => l.startsWith('-A '));
  assert.deepEqual(rules, ['-A never,exit -F exe=/opt/backup/bin/backupd -F dir=/var/lib/backupd/spool -F perm=rwa']);
  // Items without an initiator carry no evidence field at all (the webhook body stays as it was).
  const plain = pushedItems([{ ...item, evidence: { ...evidence, auditInitiator: undefined } } as unknown as ExclusionItemView]);
  assert.equal('evidence' in plain[0], false);
});
