import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CountBatch } from '@fleettune/proto';
import { useTestHub } from '../testing/hub-fixture';
import { uploadBatches } from '../testing/agent-upload';
import { ONE_ADDRESS_AGENTS_ENV, SpecHost, enrollSpecHost, nextWindow } from '../testing/agent-enroll';
import { ExclusionRecomputeService } from './exclusion-recompute.service';

// Issue 19 item 2, end to end on three Macs built from the Cisco guide's "Identify Parent Process" walk
// (ampdaemon.log "Daemon Rx: VNODE:EXECUTE ... PP: U:" lines as exec rows with their parent and user) and
// the real macOS real-time-protection statistics sample: the OS launcher is never an item.
const ADMIN = 'guide-fleets-mac-admin-token-000000';
const ENROLL = 'guide-fleets-mac-enroll-secret-0000';
const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
const USERS = ['alice', 'bob', 'carol'];
const HELPER = '/Library/Application Support/Acme/acme-helper';
const TERMINAL = '/System/Applications/Utilities/Terminal.app/Contents/MacOS/Terminal';

type Host = SpecHost;

function enroll(hostname: string): Promise<Host> {
  return enrollSpecHost(fx.client, ENROLL, hostname, 'darwin', 'guide-fleets');
}

function window(host: Host, startMs: number, source: string, execs: CountBatch['execs']): CountBatch {
  return nextWindow(host, startMs, source, { execs });
}

const fx = useTestHub('guide_fleets_mac_spec', { FLEETTUNE_ADMIN_TOKEN: ADMIN, FLEETTUNE_ENROLL_SECRET: ENROLL, ...ONE_ADDRESS_AGENTS_ENV }, async () => {
  // The real macOS RTP statistics sample (libs/mdatp/fixtures): launchd scanned 2,071 files.
  const sample = JSON.parse(
    readFileSync(join(__dirname, '..', '..', '..', '..', 'libs', 'mdatp', 'fixtures', 'mdatp_rtp_statistics_macos_excerpt.json'), 'utf8'),
  ) as {
    counters: { path: string | null; totalFilesScanned: string }[];
  };
  for (const [h, user] of USERS.entries()) {
    const host = await enroll(`mac-${h + 1}`);
    const batches: CountBatch[] = [];
    for (let m = 0; m < 20; m++) {
      batches.push(
        window(host, T0 + m * MIN, 'cisco-support', [
          // The guide's example: /bin/rm run 2/s by a script (bash) that launchd started, as the local user (U:502).
          { path: '/bin/rm', parentPath: '/bin/bash', user, count: 120 },
          { path: '/bin/bash', parentPath: '/sbin/launchd', user, count: 1 },
          // A Mach-O helper started by launchd runs grep 2/s: the helper is the program that identifies the application.
          { path: '/usr/bin/grep', parentPath: HELPER, user: 'root', count: 120 },
          { path: HELPER, parentPath: '/sbin/launchd', user: 'root', count: 1 },
          // An XPC service's defaults calls under xpcproxy.
          { path: '/usr/bin/defaults', parentPath: '/usr/libexec/xpcproxy', user: 'root', count: 120 },
          // The user's Terminal: zsh running ls.
          { path: '/bin/ls', parentPath: '/bin/zsh', user, count: 120 },
          { path: '/bin/zsh', parentPath: TERMINAL, user, count: 1 },
        ]),
      );
    }
    const rtp = sample.counters.filter((c) => c.path).map((c) => ({ path: c.path!, parentPath: '', user: '', count: Number(c.totalFilesScanned) }));
    batches.push(window(host, T0 + 20 * MIN, 'mdatp-rtp', rtp));
    assert.equal((await uploadBatches(fx.client, host.token, batches)).length, batches.length);
  }
});

type Item = { type: string; value: string; user: string; applyToChildren: boolean; reason: string };
type Rejected = { subject: string; why: string };

test('three Macs: launchd, xpcproxy and Terminal are never items; the refusals name the child; the helper is the parent item', async () => {
  await fx.hub.app.get(ExclusionRecomputeService).recompute();
  const set = JSON.parse((await fx.getText('/api/v1/exclusion-sets/latest')).text) as { id: string; items: Item[]; params: { rejected: Rejected[] } };
  const all = JSON.stringify(set.items.map((i) => [i.type, i.value, i.applyToChildren, i.user]));
  assert.deepEqual(
    set.items.filter((i) => /\/(launchd|xpcproxy|Terminal|loginwindow|sshd|sudo)$/.test(i.value)),
    [],
    all,
  );
  const helper = set.items.find((i) => i.type === 'process' && i.value === HELPER);
  assert.equal(helper?.applyToChildren, true, all);
  assert.equal(helper?.user, 'root');
  const why = (s: string) =>
    set.params.rejected
      .filter((r) => r.subject === s)
      .map((r) => r.why)
      .join(' | ');
  assert.match(why('/bin/rm'), /\/sbin\/launchd refused \(OS launcher: init or launcher\): the child it starts, \/bin\/bash, cannot be excluded either/);
  assert.match(why('/usr/bin/defaults'), /\/usr\/libexec\/xpcproxy refused \(OS launcher: init or launcher\): the child it starts, \/usr\/bin\/defaults/);
  assert.match(why('/bin/ls'), /Terminal refused \(OS launcher: terminal\): the child it starts, \/bin\/zsh/);
  // launchd's 2,071 files scanned in the real sample: refused as the launcher, not a low-risk process item.
  assert.match(why('/sbin/launchd'), /OS launcher/);

  // Cisco's export carries the helper with its children, under engineSettings.fileScan (API v3).
  const cisco = JSON.parse((await fx.getText(`/api/v1/exclusion-sets/${set.id}/export?format=cisco-json&include=all`)).text) as {
    data: { process?: { path: string }; engineSettings?: { fileScan: { applyToChildProcesses: boolean } } }[];
  };
  assert.equal(cisco.data.find((d) => d.process?.path === HELPER)?.engineSettings?.fileScan.applyToChildProcesses, true);
  assert.ok(!cisco.data.some((d) => d.process?.path === '/sbin/launchd'));
});
