import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CountBatch } from '@fleettune/proto';
import { useTestHub } from '../testing/hub-fixture';
import { uploadBatches } from '../testing/agent-upload';
import { ONE_ADDRESS_AGENTS_ENV, SpecHost, enrollSpecHost, nextWindow } from '../testing/agent-enroll';
import { ExclusionRecomputeService } from './exclusion-recompute.service';

// Issue 19, end to end: three Linux hosts built from the guides' examples enroll and upload one-minute
// windows over gRPC, as agents do; the rollup and the recompute job run for real; the claims are checked
// on the stored set and its exports.
const ADMIN = 'guide-fleets-admin-token-0000000000';
const ENROLL = 'guide-fleets-enroll-secret-000000000';
const MIN = 60_000;
const BIN = 20 * MIN;
// 11 minutes before a 20-minute clock edge, on a whole minute.
const EDGE = Math.floor(Date.UTC(2026, 11, 6, 9, 0, 0) / BIN) * BIN + BIN;
const T0 = EDGE - 30 * MIN;

type Host = SpecHost;

const linux: Host[] = [];

function enroll(hostname: string, os: string): Promise<Host> {
  return enrollSpecHost(fx.client, ENROLL, hostname, os, 'guide-fleets');
}

const window = nextWindow;

const fx = useTestHub('guide_fleets_spec', { FLEETTUNE_ADMIN_TOKEN: ADMIN, FLEETTUNE_ENROLL_SECRET: ENROLL, ...ONE_ADDRESS_AGENTS_ENV }, async () => {
  for (let h = 1; h <= 3; h++) linux.push(await enroll(`lnx-${h}`, 'linux'));
  for (const host of linux) {
    const batches: CountBatch[] = [];
    for (let m = 0; m < 30; m++) {
      const start = T0 + m * MIN;
      const execs: CountBatch['execs'] = [];
      // An MDM agent's helper at 1.05/s over an 18-minute capture (63 a minute, minutes 1-18): 1,134 executions.
      if (m >= 1 && m <= 18) execs.push({ path: '/opt/mdm/bin/mdm-agent', parentPath: '/opt/mdm/bin/mdmd', user: 'root', count: 63 });
      // A snapshot helper at ~1.08/s for 25 minutes across the clock edge (minutes 5-29; the edge is minute 30 - 11 = 19).
      if (m >= 5) execs.push({ path: '/opt/backup/bin/snapshotter', parentPath: '/opt/backup/bin/backupd', user: 'root', count: m % 5 === 4 ? 64 : 65 });
      // cron runs find 2/s for ten minutes: find is a utility, cron the OS launcher.
      if (m >= 10 && m < 20) execs.push({ path: '/usr/bin/find', parentPath: '/usr/sbin/cron', user: 'root', count: 120 });
      // nrpe starts bash now and then (the audit parent the review saw bash's scan counts credited to).
      if (m === 2) execs.push({ path: '/bin/bash', parentPath: '/usr/sbin/nrpe', user: 'nagios', count: 3 });
      // A sync agent runs date 2/s (a utility: its parent, with children) in minutes 0-9.
      if (m < 10) execs.push({ path: '/usr/bin/date', parentPath: '/opt/sync/bin/syncd', user: 'root', count: 120 });
      // The backup daemon writes its spool: audit records by initiator and directory (the auditd guide's -e / -d).
      const files: CountBatch['files'] =
        m < 10 ? [{ path: '/var/lib/backupd/spool/chunk.db', op: 'modify', processPath: '/opt/backup/bin/backupd', count: 150 }] : [];
      batches.push(window(host, start, 'linux-audit', { execs, files }));
    }
    // Defender's real-time-protection statistics: bash scanned a lot, and an indexer (RTP only: no audit records).
    const rtp = window(host, T0 + 20 * MIN, 'mdatp-rtp', {
      execs: [
        { path: '/bin/bash', parentPath: '', user: '', count: 50_000 },
        { path: '/opt/indexer/bin/indexer', parentPath: '', user: '', count: 20_000 },
      ],
    });
    batches.push(rtp);
    const acks = await uploadBatches(fx.client, host.token, batches);
    assert.equal(acks.length, batches.length);
  }
});

type Item = { type: string; value: string; user: string; applyToChildren: boolean; reason: string; evidence: Record<string, number | string> };
type Rejected = { subject: string; why: string };

test("Linux fleet: the guide's exec bars judged over each capture; no launcher, no parent from scan counts", async () => {
  await fx.hub.app.get(ExclusionRecomputeService).recompute();
  const set = JSON.parse((await fx.getText('/api/v1/exclusion-sets/latest')).text) as { id: string; items: Item[]; params: { rejected: Rejected[] } };
  const all = JSON.stringify(set.items.map((i) => [i.type, i.value, i.applyToChildren]));
  const find = (type: string, value: string) => set.items.find((i) => i.type === type && i.value === value);

  // 1.05/s over 18 minutes: recommended, on all three hosts.
  const mdm = find('process', '/opt/mdm/bin/mdm-agent');
  assert.ok(mdm, all);
  assert.equal(mdm.evidence.hosts, 3);
  assert.equal(mdm.evidence.execCount, 1134);
  assert.equal(mdm.evidence.execSeconds, 1080);
  assert.match(mdm.reason, /1134 executions in 18 min \(1\.05\/s\)/);

  // Across the clock edge: one measure of 1,620 executions over 25 minutes, not 908 + 712.
  const snap = find('process', '/opt/backup/bin/snapshotter');
  assert.ok(snap, all);
  assert.equal(snap.evidence.hosts, 3);
  assert.equal(snap.evidence.execCount, 1620);
  assert.equal(snap.evidence.execSeconds, 1500);

  // cron is the OS launcher: never an item.
  assert.ok(!set.items.some((i) => /\/(cron|systemd|sshd|launchd|init)$/.test(i.value)), all);
  // bash's files scanned never become "exclude nrpe with children".
  assert.equal(find('process', '/usr/sbin/nrpe'), undefined, all);
  assert.equal(find('process', '/bin/bash'), undefined, all);

  const why = (s: string) =>
    set.params.rejected
      .filter((r) => r.subject === s)
      .map((r) => r.why)
      .join(' | ');
  assert.match(why('/usr/bin/find'), /\/usr\/sbin\/cron refused \(OS launcher: init or launcher\): the child it starts, \/usr\/bin\/find/);
  assert.match(why('/bin/bash'), /never credited to a parent/);
});

test('Linux fleet exports: MDE never carries a child scope silently; auditd holds only audit-evidenced items', async () => {
  // Nothing is approved here: the exports are of the whole set (include=all), as a reviewer previews them.
  const set = JSON.parse((await fx.getText('/api/v1/exclusion-sets/latest')).text) as { id: string; items: Item[] };
  const all = JSON.stringify(set.items.map((i) => [i.type, i.value, i.applyToChildren]));
  const syncd = set.items.find((i) => i.type === 'process' && i.value === '/opt/sync/bin/syncd');
  assert.equal(syncd?.applyToChildren, true, all);
  assert.ok(
    set.items.some((i) => i.type === 'process' && i.value === '/opt/indexer/bin/indexer'),
    all,
  );
  assert.ok(
    set.items.some((i) => i.type === 'audit-exe' && i.value === '/opt/backup/bin/backupd'),
    all,
  );
  assert.ok(
    set.items.some((i) => i.type === 'audit-dir' && i.value === '/var/lib/backupd/spool'),
    all,
  );

  // MDE: the parent-with-children item is refused in every format (counted in the header; the script says why).
  for (const f of ['mdatp-json', 'mdatp-cli', 'mdatp-plist']) {
    // The Linux hosts' items in every MDE format (a plist export defaults to macOS items since per-platform sets).
    const res = await fx.getText(`/api/v1/exclusion-sets/${set.id}/export?format=${f}&include=all&os=linux`);
    assert.equal(res.status, 200, f);
    const written = res.text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
    assert.ok(!written.includes('/opt/sync/bin/syncd'), `${f} exports syncd without its children`);
    assert.ok(written.includes('/opt/mdm/bin/mdm-agent'), f);
    assert.ok(Number(res.headers.get('x-fleettune-skipped-items')) >= 1, f);
  }
  const cli = (await fx.getText(`/api/v1/exclusion-sets/${set.id}/export?format=mdatp-cli&include=all`)).text;
  assert.match(cli, /^# not exported: \/opt\/sync\/bin\/syncd: apply-to-children has no Defender equivalent/m);

  // auditd: only audit initiators and directories (the spool writer; the snapshotter, whose execve records pass
  // 1000 in a window); not the RTP-only indexer, not the exec-data process items (syncd, mdm-agent). backupd
  // makes all of the spool's records: the guide's -x form, that initiator in that directory.
  const rules = (await fx.getText(`/api/v1/exclusion-sets/${set.id}/export?format=auditd-rules&include=all`)).text
    .split('\n')
    .filter((l) => l.startsWith('-A '));
  assert.deepEqual(rules.sort(), [
    '-A never,exit -F exe=/opt/backup/bin/backupd',
    '-A never,exit -F exe=/opt/backup/bin/backupd -F dir=/var/lib/backupd/spool -F perm=rwa',
    '-A never,exit -F exe=/opt/backup/bin/snapshotter',
  ]);
  const muted = (await fx.getText(`/api/v1/exclusion-sets/${set.id}/export?format=auditd-rules&include=all&muteExecInDirectories=true`)).text;
  assert.match(muted, /^-A never,exit -F exe=\/opt\/backup\/bin\/backupd -F dir=\/var\/lib\/backupd\/spool$/m);
  assert.equal((await fx.getText(`/api/v1/exclusion-sets/${set.id}/export?format=auditd-rules&include=all&muteExecInDirectories=maybe`)).status, 400);

  // Cisco: API v3 shape, the child scope under engineSettings.fileScan.
  const cisco = JSON.parse((await fx.getText(`/api/v1/exclusion-sets/${set.id}/export?format=cisco-json&include=all`)).text) as {
    data: { exclusionType: string; process?: Record<string, unknown>; engineSettings?: { fileScan: { applyToChildProcesses: boolean } } }[];
  };
  const p = cisco.data.find((d) => d.process?.path === '/opt/sync/bin/syncd');
  assert.equal(p?.engineSettings?.fileScan.applyToChildProcesses, true);
  assert.equal(p?.process?.applyToChildProcesses, undefined);
});
