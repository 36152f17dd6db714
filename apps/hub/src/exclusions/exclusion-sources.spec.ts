import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXPORT_FORMATS } from '@fleettune/exporters';
import { ExclusionSafetyPolicy } from '@fleettune/rules';
import { CountBatch } from '@fleettune/proto';
import { useTestHub } from '../testing/hub-fixture';
import { BatchIngestService } from '../ingest/batch-ingest.service';
import { ExclusionRecomputeService } from './exclusion-recompute.service';
import { FIXTURE_T0, addHost, batch } from './fleet-fixture';

// The engine's newer candidates through the real ingest path and the real
// rollup + raw-table reads: busy extensions and file names across many
// directories, Defender's top processes by files scanned (mdatp-rtp), and
// auditd initiators and directories (linux-audit file records).
const ADMIN = 'sources-spec-admin-token-00000000';
const USERS = ['alice', 'bob', 'carol'];
const APPS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];

const fx = useTestHub('exclusion_sources_spec', { FLEETTUNE_ADMIN_TOKEN: ADMIN }, async () => {
  const ingest = fx.hub.app.get(BatchIngestService);
  for (const [h, user] of USERS.entries()) {
    const hostId = await addHost(fx.prisma, `src-${h}`);
    const files: CountBatch['files'] = [];
    // Six apps append to their logs 90 times in the window: no single log is noisy, .log is.
    for (const app of APPS) files.push({ path: `/var/log/${app}/${app}.log`, op: 'modify', processPath: `/opt/${app}/bin/${app}d`, count: 90 });
    // git's index.lock in four repositories of the host's user.
    for (const repo of ['api', 'web', 'infra', 'docs'])
      files.push({ path: `/home/${user}/src/${repo}/.git/index.lock`, op: 'create', processPath: '/usr/lib/git-core/git', count: 300 });
    // A backup daemon touching 1200 spool files once each: an auditd directory and initiator.
    for (let i = 0; i < 1200; i++) files.push({ path: `/var/lib/backupd/spool/f${i}`, op: 'modify', processPath: '/opt/backup/bin/backupd', count: 1 });
    await ingest.ingest(
      hostId,
      batch(hostId, FIXTURE_T0, {
        files,
        execs: [{ path: '/usr/bin/python3', parentPath: '/opt/ml/bin/trainer', user: 'root', count: 3 }],
      }),
    );
    // Defender's real-time-protection statistics: files scanned per process, sent as exec rows.
    const rtp = batch(hostId, FIXTURE_T0 + 60_000, {
      execs: [
        { path: '/opt/indexer/bin/indexer', parentPath: '', user: '', count: 50_000 },
        { path: '/usr/bin/python3', parentPath: '', user: '', count: 40_000 },
      ],
    });
    rtp.source = 'mdatp-rtp';
    await ingest.ingest(hostId, rtp);
  }
});

/** GET as the admin (FLEETTUNE_ADMIN_TOKEN of the fixture). */
const api = (path: string) => fx.getText(path);

type Item = {
  type: string;
  value: string;
  user: string;
  applyToChildren: boolean;
  reason: string;
  risk: { flags: string[] };
  evidence: Record<string, number>;
};

test('extension, file-name, files-scanned and auditd items from ingested data; nothing from the deny-lists; no user in any export', async () => {
  const r = await fx.hub.app.get(ExclusionRecomputeService).recompute();
  assert.equal(r.rawRows, 0, 'the rollup carries the auditd and mdatp kinds: no raw table read');
  const set = JSON.parse((await api('/api/v1/exclusion-sets/latest')).text) as { id: string; items: Item[] };
  const find = (type: string, value: string) => set.items.find((i) => i.type === type && i.value === value);
  const all = JSON.stringify(set.items.map((i) => [i.type, i.value]));

  const log = find('extension', '.log');
  assert.ok(log, all);
  assert.equal(log.evidence.hosts, 3);
  assert.equal(log.evidence.directories, 6);
  assert.ok(log.risk.flags.includes('extension-wide'));
  assert.ok(!set.items.some((i) => i.type !== 'extension' && i.value.endsWith('.log')), 'no single log is noisy on its own');

  const lock = find('filename', 'index.lock');
  assert.ok(lock, all);
  assert.equal(lock.evidence.directories, 4);
  assert.equal(lock.evidence.peakWindowCount, 1200);

  // Files scanned: the indexer is the top process; its rows are not mistaken for 50,000 executions.
  const indexer = find('process', '/opt/indexer/bin/indexer');
  assert.ok(indexer, all);
  assert.equal(indexer.evidence.filesScanned, 150_000);
  assert.equal(indexer.evidence.scanRank, 1);
  assert.match(indexer.reason, /^top process by files scanned/);
  assert.doesNotMatch(indexer.reason, /executed/);
  // python3 is an interpreter: refused, and its files scanned are never credited to the parent the exec
  // data names (Defender process exclusions have no child scope; issue 19).
  assert.equal(find('process', '/usr/bin/python3'), undefined);
  assert.equal(find('process', '/opt/ml/bin/trainer'), undefined, all);

  // auditd: the backup daemon as initiator and its spool directory.
  assert.ok(find('audit-exe', '/opt/backup/bin/backupd'), all);
  const spool = find('audit-dir', '/var/lib/backupd/spool');
  assert.equal(spool?.evidence.peakWindowCount, 1200);

  // Nothing the safety policy refuses.
  const policy = new ExclusionSafetyPolicy();
  for (const i of set.items) {
    const v =
      i.type === 'extension'
        ? policy.checkExtension(i.value)
        : i.type === 'filename'
          ? policy.checkFileName(i.value)
          : i.type === 'process' || i.type === 'audit-exe'
            ? policy.checkProcess(i.value)
            : policy.checkPath(i.value, i.type === 'audit-dir');
    assert.ok(v.allowed, `${i.type} ${i.value}: ${v.why}`);
  }

  // Every format: carries or skips (with a count) the new types, and never names a user. Nothing is
  // approved here, so the exports are of the whole unreviewed set (include=all; approved-only is the default).
  for (const f of Object.keys(EXPORT_FORMATS)) {
    const res = await api(`/api/v1/exclusion-sets/${set.id}/export?format=${f}&include=all`);
    assert.equal(res.status, 200, f);
    for (const u of USERS) assert.ok(!res.text.includes(u), `${f} names ${u}`);
  }
  const mdatp = await api(`/api/v1/exclusion-sets/${set.id}/export?format=mdatp-json&include=all`);
  assert.match(mdatp.text, /"excludedFileExtension"[\s\S]*?"extension": "\.log"/);
  assert.ok(Number(mdatp.headers.get('x-fleettune-skipped-items')) >= 3, 'filename and auditd items have no MDE form');
  const cisco = (await api(`/api/v1/exclusion-sets/${set.id}/export?format=cisco-csv&include=all`)).text;
  assert.match(cisco, /^,File Extension,,log,/m); // Cisco's export columns since issue 19: ExclusionGUID first
  assert.match(cisco, /^,File Name,index\.lock,/m);
  const rules = (await api(`/api/v1/exclusion-sets/${set.id}/export?format=auditd-rules&include=all`)).text;
  // Only backupd writes the spool: the guide's -x form (that initiator in that directory); executions stay recorded (issue 19).
  assert.match(rules, /^-A never,exit -F exe=\/opt\/backup\/bin\/backupd -F dir=\/var\/lib\/backupd\/spool -F perm=rwa$/m);
  assert.match(rules, /^-A never,exit -F exe=\/opt\/backup\/bin\/backupd$/m);
  assert.doesNotMatch(rules, /index\.lock|\.log$/m);
  for (const u of USERS) assert.ok(!JSON.stringify(set).includes(u), `recommendations name ${u}`);
});

test('raw rows of a host the rollup has not numbered yet still count', async () => {
  const hostId = await addHost(fx.prisma, 'src-unnumbered');
  // Only raw audit rows, written straight to the raw table: no rollup row, no rollup host number.
  await fx.prisma.$executeRaw`
    INSERT INTO file_counts (host_id, sequence, source, window_start, window_end, path, op, process_path, count)
    SELECT ${hostId}::uuid, 1, 'linux-audit', ${new Date(FIXTURE_T0)}, ${new Date(FIXTURE_T0 + 60_000)}, '/var/lib/backupd/spool/g' || i, 'modify', '/opt/backup/bin/backupd', 1
    FROM generate_series(1, 1500) i`;
  // Queued as ingest queues a batch: the rollup worker numbers the host when it applies it.
  await fx.prisma.$executeRaw`INSERT INTO rollup_pending (host_id, sequence, window_start) VALUES (${hostId}::uuid, 1, ${new Date(FIXTURE_T0)})`;
  await fx.hub.app.get(ExclusionRecomputeService).recompute();
  const set = JSON.parse((await api('/api/v1/exclusion-sets/latest')).text) as { items: Item[] };
  const backupd = set.items.find((i) => i.type === 'audit-exe' && i.value === '/opt/backup/bin/backupd');
  assert.equal(backupd?.evidence.hosts, 4);
  assert.equal(backupd?.evidence.hostsReporting, 4);
  const spool = set.items.find((i) => i.type === 'audit-dir' && i.value === '/var/lib/backupd/spool');
  assert.equal(spool?.evidence.peakWindowCount, 1500);
});
