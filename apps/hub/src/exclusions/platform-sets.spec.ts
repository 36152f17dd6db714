import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CountBatch } from '@fleettune/proto';
import { useTestHub } from '../testing/hub-fixture';
import { BatchIngestService } from '../ingest/batch-ingest.service';
import { ExclusionRecomputeService } from './exclusion-recompute.service';
import { FIXTURE_T0, addHost, batch } from './fleet-fixture';

// Issue 19 item 5: a mixed fleet of 3 Macs and 3 Linux hosts (os known at
// enrollment). Each platform's items come from its own hosts, prevalence is
// counted among that platform's hosts, and each export carries one
// platform's items (mdatp_managed.json: Linux; plist: macOS; Cisco: macOS on
// a mixed set unless os=linux; os= selects).
const ADMIN = 'platform-sets-admin-token-0000000';
const MACS = [
  ['mac-1', 'alice'],
  ['mac-2', 'bob'],
  ['mac-3', 'carol'],
] as const;
const LINUX = ['lin-1', 'lin-2', 'lin-3'];

const fx = useTestHub('platform_sets_spec', { FLEETTUNE_ADMIN_TOKEN: ADMIN }, async () => {
  const ingest = fx.hub.app.get(BatchIngestService);
  // Five one-minute windows of 240 writes each: 1,200 in one 20-minute window on every host.
  const send = async (hostId: string, files: (minute: number) => CountBatch['files']) => {
    for (let m = 0; m < 5; m++) await ingest.ingest(hostId, batch(hostId, FIXTURE_T0 + m * 60_000, { files: files(m) }));
  };
  for (const [name, user] of MACS) {
    const hostId = await addHost(fx.prisma, name, 'darwin');
    await send(hostId, () => [
      { path: `/Users/${user}/Library/Logs/Foo/foo.log`, op: 'modify', processPath: '/Applications/Foo.app/Contents/MacOS/Foo', count: 240 },
      { path: '/opt/shared/agent/state.db', op: 'modify', processPath: '/opt/shared/agent/agentd', count: 240 },
    ]);
  }
  for (const name of LINUX) {
    const hostId = await addHost(fx.prisma, name, 'linux');
    await send(hostId, () => [
      { path: '/var/lib/appd/journal.db', op: 'modify', processPath: '/opt/appd/bin/appd', count: 240 },
      { path: '/opt/shared/agent/state.db', op: 'modify', processPath: '/opt/shared/agent/agentd', count: 240 },
    ]);
  }
});

/** GET as the admin (FLEETTUNE_ADMIN_TOKEN of the fixture). */
const api = (path: string) => fx.getText(path);

type Item = {
  type: string;
  value: string;
  evidence: {
    hosts: number;
    hostsReporting: number;
    prevalence: number;
    platforms?: string[];
    byPlatform?: Array<{ platform: string; hosts: number; hostsReporting: number; prevalence: number }>;
  };
};

const MAC_PATH = /\/Users\/|Foo\.app|foo\.log/;
const LINUX_PATH = /\/var\/lib\/appd|appd/;

test("3 Macs + 3 Linux hosts: items per platform, prevalence within the platform, exports with no other platform's paths", async () => {
  await fx.hub.app.get(ExclusionRecomputeService).recompute();
  const set = JSON.parse((await api('/api/v1/exclusion-sets/latest')).text) as {
    id: string;
    params: { hostsReportingByPlatform?: Record<string, number> };
    items: Item[];
  };
  const all = JSON.stringify(set.items.map((i) => [i.type, i.value, i.evidence.platforms]));
  assert.deepEqual(set.params.hostsReportingByPlatform, { darwin: 3, linux: 3 });

  const macLog = set.items.find((i) => i.value === '/Users/*/Library/Logs/Foo/foo.log');
  assert.ok(macLog, all);
  // 3 of the 3 Macs, not 3 of 6 hosts.
  assert.deepEqual([macLog.evidence.hosts, macLog.evidence.hostsReporting, macLog.evidence.prevalence], [3, 3, 1]);
  assert.deepEqual(macLog.evidence.platforms, ['darwin']);

  const linuxDb = set.items.find((i) => i.value === '/var/lib/appd/journal.db');
  assert.ok(linuxDb, all);
  assert.deepEqual([linuxDb.evidence.hosts, linuxDb.evidence.hostsReporting, linuxDb.evidence.prevalence], [3, 3, 1]);
  assert.deepEqual(linuxDb.evidence.platforms, ['linux']);

  // Noisy on both platforms: one item, each platform's evidence beside it.
  const shared = set.items.filter((i) => i.value === '/opt/shared/agent/state.db');
  assert.equal(shared.length, 1, all);
  assert.deepEqual(shared[0].evidence.platforms, ['darwin', 'linux']);
  assert.deepEqual(
    shared[0].evidence.byPlatform?.map((p) => [p.platform, p.hosts, p.hostsReporting, p.prevalence]),
    [
      ['darwin', 3, 3, 1],
      ['linux', 3, 3, 1],
    ],
  );

  // Every item of the set (include=all): the platform split, not the review, is under test here.
  const exp = async (q: string) => {
    const r = await api(`/api/v1/exclusion-sets/${set.id}/export?${q}&include=all`);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    return r;
  };
  // mdatp_managed.json is Linux's: Linux items only, by default.
  const managed = await exp('format=mdatp-json');
  assert.equal(managed.headers.get('x-fleettune-platform'), 'linux');
  assert.match(managed.text, /\/var\/lib\/appd\/journal\.db/);
  assert.match(managed.text, /\/opt\/shared\/agent\/state\.db/);
  assert.doesNotMatch(managed.text, MAC_PATH);
  // The com.microsoft.wdav plist is macOS's.
  const plist = await exp('format=mdatp-plist');
  assert.match(plist.text, /\/Users\/\*\/Library\/Logs\/Foo\/foo\.log/);
  assert.doesNotMatch(plist.text, LINUX_PATH);
  // Cisco: the Mac connector's set on a mixed fleet, the Linux connector's with os=linux.
  for (const f of ['cisco-csv', 'cisco-json']) {
    const mac = await exp(`format=${f}`);
    assert.equal(mac.headers.get('x-fleettune-platform'), 'darwin', f);
    assert.match(mac.text, /foo\.log/, f);
    assert.doesNotMatch(mac.text, LINUX_PATH, f);
    const lin = await exp(`format=${f}&os=linux`);
    assert.match(lin.text, /journal\.db/, f);
    assert.doesNotMatch(lin.text, MAC_PATH, f);
  }
  // os= picks the other platform of a platform's format; the CLI lines take either.
  assert.doesNotMatch((await exp('format=mdatp-json&os=darwin')).text, LINUX_PATH);
  assert.doesNotMatch((await exp('format=mdatp-cli&os=linux')).text, MAC_PATH);
  const cliAll = (await exp('format=mdatp-cli')).text;
  assert.match(cliAll, /foo\.log/);
  assert.match(cliAll, /journal\.db/);
  assert.doesNotMatch((await exp('format=auditd-rules')).text, MAC_PATH);
  // auditd has no macOS form; an unknown os is a clear 400.
  const noAuditdMac = await api(`/api/v1/exclusion-sets/${set.id}/export?format=auditd-rules&os=darwin`);
  assert.equal(noAuditdMac.status, 400);
  assert.match(noAuditdMac.text, /linux only/);
  assert.equal((await api(`/api/v1/exclusion-sets/${set.id}/export?format=mdatp-json&os=windows`)).status, 400);
});
