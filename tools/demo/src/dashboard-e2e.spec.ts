import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createMigratedTestDatabase, TestDatabase, withDatabaseClient } from '@fleettune/db-tools';
import { replayOnceArgs } from './agent-replay';
import { HubApi } from './hub-api';
import { ONE_MACHINE_FLEET_ENV, throwAwayHubEnv } from './hub-env';
import { HubProcess, REPO, runAgent, startHubProcess } from './hub-process';

// The dashboard in a real browser (Debian's chromium, driven by
// playwright-core; never a downloaded browser) against a hub that ingested
// the real demo audit logs through real agents.
const CHROMIUM = process.env.FLEETTUNE_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
const SKIP = HAVE_CHROMIUM ? false : `chromium not installed at ${CHROMIUM} (apt-get install -y chromium); dashboard e2e skipped`;
if (SKIP) process.stderr.write(`dashboard-e2e: ${SKIP}\n`);

const LOGS = path.join(REPO, 'tools/demo/logs');
const HOSTS = ['web-01', 'web-02', 'build-03'].filter((h) => fs.existsSync(path.join(LOGS, `${h}.audit.log`)));
const ADMIN = 'e2e-dash-admin-token-0123456789abcdef';
const ENROLL = 'e2e-dash-enroll-secret-0123456789abcdef';
const SHOTS = path.join(REPO, 'test-output', 'screenshots');
const WEB_BUILD = path.join(REPO, 'apps/web/dist/index.html');

// Hostile names, as a compromised or odd host could report them.
const HOSTILE_HOST = `evil"host'<script>alert("host")</script>`;
const HOSTILE_EXEC = `/tmp/"quoted" <img src=x onerror=alert(1)><script>alert(2)</script>\u001b[31mRED\u001b[0m\nline2\u202eexe.gpj/${'A'.repeat(400)}`;
// A tag the API would refuse (it checks ^[a-z0-9][a-z0-9._:-]{0,62}$), as if written before the rule or by hand in the DB.
const HOSTILE_TAG = `"q'<script>alert('tag')</script>\u001b[31mred\u001b[0m\nline2${'T'.repeat(300)}`;
// Target names are free text (1-200 characters): shown in the push history to every role.
const HOSTILE_TARGET = `hook "q" <script>alert('target')</script>\u001b[31mred\u001b[0m\nline2 ${'B'.repeat(100)}`;

let db: TestDatabase;
let hub: HubProcess;
let admin: HubApi;
let browser: Browser;
let viewerToken: string;
let approverToken: string;
const dialogs: string[] = [];
/** A webhook receiver on loopback: what the hub pushed (body and signature). */
let receiver: Server;
let receiverUrl: string;
const received: Array<{ body: string; signature: string; timestamp: string }> = [];
const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-dash-e2e-'));

type OpenApi = { paths: Record<string, Record<string, unknown>> };
let openapi: OpenApi;
const hasRoute = (method: string, p: string) => !!openapi.paths[p]?.[method];

before(async () => {
  if (SKIP) return;
  assert.ok(fs.existsSync(WEB_BUILD), `the dashboard is not built (${WEB_BUILD}); run npm run build`);
  db = await createMigratedTestDatabase('e2e_dashboard');
  hub = await startHubProcess(
    throwAwayHubEnv(db.url, 'e2e-dash', {
      FLEETTUNE_ADMIN_TOKEN: ADMIN,
      FLEETTUNE_ENROLL_SECRET: ENROLL,
      ...ONE_MACHINE_FLEET_ENV,
      // The webhook receiver below listens on loopback.
      FLEETTUNE_OUTBOUND_ALLOW_CIDRS: '127.0.0.1',
    }),
  );
  admin = new HubApi(hub.httpUrl, ADMIN);
  for (const h of HOSTS) {
    const res = await runAgent(
      replayOnceArgs({ hub: hub.grpcAddress, enrollSecret: ENROLL, input: path.join(LOGS, `${h}.audit.log`), hostname: h, stateDir: path.join(stateRoot, h) }),
    );
    assert.equal(res.code, 0, `agent ${h} failed: ${res.stderr}`);
  }
  await insertHostileData();
  await admin.recomputeExclusions();
  viewerToken = (await admin.post<{ token: string }>('/api/v1/tokens', { name: 'e2e viewer', role: 'viewer' })).token;
  approverToken = (await admin.post<{ token: string }>('/api/v1/tokens', { name: 'e2e approver', role: 'approver' })).token;
  openapi = (await (await fetch(`${hub.httpUrl}/api/docs/openapi.json`)).json()) as OpenApi;
  fs.mkdirSync(SHOTS, { recursive: true });
  receiver = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['x-fleettune-signature'] ?? ''),
        timestamp: String(req.headers['x-fleettune-timestamp'] ?? ''),
      });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/fleettune`;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

after(async () => {
  await browser?.close();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  await hub?.stop();
  await db?.drop();
  fs.rmSync(stateRoot, { recursive: true, force: true });
});

/** A host with a hostile name and an exec with a hostile path, in the real data's time range. */
async function insertHostileData(): Promise<void> {
  await withDatabaseClient(db.url, async (c) => {
    const { rows } = await c.query<{ start: Date; end: Date }>('SELECT MIN(window_start) AS start, MAX(window_end) AS end FROM exec_counts');
    const host = await c.query<{ id: string }>(
      `INSERT INTO hosts (id, hostname, os, agent_version, last_seen_at) VALUES (gen_random_uuid(), $1, 'linux', $2, now()) RETURNING id`,
      [HOSTILE_HOST, '9.9.9\u001b[2J'],
    );
    await c.query(
      `INSERT INTO exec_counts (host_id, sequence, source, window_start, window_end, path, parent_path, "user", count)
       VALUES ($1, 1, 'linux-audit', $2, $3, $4, '/usr/bin/"parent"<b>bold</b>', '', 500)`,
      [host.rows[0].id, rows[0].start, rows[0].end, HOSTILE_EXEC],
    );
    // Hubs with rollups read noise from them: queue the batch for the rollup worker, as ingest does.
    const pending = await c.query<{ t: string | null }>(`SELECT to_regclass('rollup_pending')::text AS t`);
    if (pending.rows[0].t) {
      await c.query(`INSERT INTO rollup_pending (host_id, sequence, window_start) VALUES ($1, 1, $2)`, [host.rows[0].id, rows[0].start]);
    }
  });
}

/**
 * Ten minutes of auditd cost on one host, as the agent's cost sampler stores
 * it (the replayed logs carry none: they were recorded, not sampled live).
 */
async function insertCostWindows(): Promise<void> {
  await withDatabaseClient(db.url, async (c) => {
    await c.query(
      `WITH h AS (SELECT id FROM hosts ORDER BY hostname LIMIT 1), w AS (
         SELECT h.id AS host_id, date_trunc('minute', now()) - make_interval(mins => i) AS ws, i FROM h, generate_series(1, 10) AS i)
       INSERT INTO host_cost_windows (host_id, window_start, window_end, sequence, samples, covered_ms, auditd_enabled, auditd_pid,
                                      lost_delta, lost_total, backlog_max, backlog_limit, rules_total, log_bytes, log_rotations)
       SELECT host_id, ws, ws + interval '1 minute', 1000 + i, 30, 60000, 1, 4242, 0, 0, 3, 8192, 4, 1048576 * i, 0 FROM w`,
    );
    await c.query(
      `INSERT INTO host_product_costs (host_id, window_start, window_end, name, product, cpu_ms, peak_rss_kb, peak_hwm_kb, processes)
       SELECT host_id, window_start, window_end, 'auditd', 'auditd', 600 * (11 - (sequence - 1000)), 8000, 9000, 1 FROM host_cost_windows`,
    );
  });
}

async function insertAlert(): Promise<void> {
  await withDatabaseClient(db.url, async (c) => {
    await c.query(
      `INSERT INTO alerts (id, kind, subject, open_key, status, hosts_count, hosts_reporting, host_ids, sample_hostnames,
                           rate_per_second, peak_window_count, baseline_peak_count, threshold, reason, suggested_exclusion,
                           first_seen_at, last_seen_at, updated_at)
       VALUES (gen_random_uuid(), 'exec', '/usr/bin/date', 'exec:/usr/bin/date', 'open', 3, 3, '[]', $1, 2.5, 1650, 0, 1,
               'newly noisy: /usr/bin/date runs 2.5/s on 3 of 3 hosts', '{}', now() - interval '1 hour', now(), now())`,
      [JSON.stringify(HOSTS)],
    );
  });
}

/** Runs `fn` on a dashboard page signed in with `token`, in a browser context of its own that is closed after. */
async function signedIn(token: string, fn: (page: Page) => Promise<void>): Promise<void> {
  const { context, page } = await signIn(token);
  try {
    await fn(page);
  } finally {
    await context.close();
  }
}

async function signIn(token: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => dialogs.push(`pageerror: ${e.message}`));
  await page.goto(`${hub.httpUrl}/`);
  await page.getByTestId('token-input').fill(token);
  await page.getByTestId('signin').click();
  await page.getByTestId('role').waitFor();
  return { context, page };
}

/** Every screenshot also checks that nothing (a long hostile name, say) widened the page past the window. */
async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
  assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than the window`);
}

/** Navigates inside the dashboard (hash routes) without reloading it. */
async function goHash(page: Page, hash: string): Promise<void> {
  await page.evaluate(`window.location.hash = ${JSON.stringify(hash)}`);
}

async function sql<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return withDatabaseClient(db.url, async (c) => {
    return (await c.query<T>(text, params)).rows;
  });
}

type PushRow = {
  id: string;
  target: { id: string; name: string };
  status: string;
  attempts: number;
  mode: string;
  itemCount: number;
  finishedAt: string | null;
};

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('an admin signs in and sees the fleet top noise, hostile names shown inert', { skip: SKIP }, async () => {
  await signedIn(ADMIN, async (page) => {
    assert.equal(await page.getByTestId('role').textContent(), 'admin');
    const top = await admin.get<Array<{ subject: string; count: number }>>('/api/v1/noise/execs?top=10');
    assert.ok(top.length > 3);
    const table = page.getByTestId('noise-table-exec');
    await table.waitFor();
    // The real top programs appear with their counts.
    const realTop = top.find((r) => r.subject !== HOSTILE_EXEC)!;
    const cell = table.locator(`.safe[data-full="${realTop.subject}"]`);
    await cell.first().waitFor();
    const text = await table.textContent();
    assert.ok(text!.includes(realTop.count.toLocaleString('en-US')), `count ${realTop.count} shown`);
    // The hostile path: shown as text, control characters made visible, truncated with the full value in the tooltip.
    const hostile = table.locator('.safe', { hasText: 'quoted' }).first();
    const shown = (await hostile.textContent())!;
    assert.ok(shown.includes('<img src=x'), 'markup is shown as text');
    assert.ok(!shown.includes('\u001b') && !shown.includes('\n') && !shown.includes('\u202e'), 'no raw control characters');
    assert.ok(shown.includes('…') && shown.length < 100, 'long names are truncated');
    assert.ok((await hostile.getAttribute('title'))!.includes('A'.repeat(400)), 'the tooltip has the full name');
    assert.equal(await page.locator('main script, main img').count(), 0, 'no injected elements');
    await page.getByTestId('noise-table-parent').waitFor();
    await page.getByTestId('noise-table-key').waitFor();
    await shot(page, '01-fleet-noise');
    // Drill down from a subject to the hosts behind it.
    await table
      .locator('button.link')
      .filter({ has: page.locator(`.safe[data-full="${realTop.subject}"]`) })
      .first()
      .click();
    await page.getByTestId('drill-down').locator('a').first().waitFor();
    await shot(page, '02-fleet-noise-drilldown');
    assert.deepEqual(dialogs, [], 'no script ran');
  });
});

test('the trend page plots fleet noise and one subject over time', { skip: SKIP }, async () => {
  await signedIn(ADMIN, async (page) => {
    await page.getByTestId('nav-trends').click();
    const chart = page.getByTestId('trend-chart');
    await chart.locator('canvas').waitFor();
    const top = await admin.get<Array<{ subject: string }>>('/api/v1/noise/execs?top=3');
    const subject = top.find((r) => !r.subject.includes('quoted'))!.subject;
    const pick = page
      .getByTestId('trend-subjects')
      .locator('button.link')
      .filter({ has: page.locator(`.safe[data-full="${subject}"]`) });
    await pick.waitFor();
    await pick.click();
    await page.locator('.u-legend .u-series').nth(2).waitFor();
    const box = await chart.locator('canvas').boundingBox();
    assert.ok(box && box.width > 300 && box.height > 200, 'a real plot is drawn');
    const legend = await page.locator('.u-legend').textContent();
    assert.match(legend!, /fleet total/);
    assert.match(legend!, /selected subject/);
    assert.match(page.url(), /#\/trends\?(kind=exec&)?subject=/);
    await shot(page, '03-trends');
  });
});

test("hosts list with status and a host's own top noise", { skip: SKIP }, async () => {
  await signedIn(ADMIN, async (page) => {
    await page.getByTestId('nav-hosts').click();
    const table = page.getByTestId('hosts-table');
    await table.locator('tbody tr').nth(HOSTS.length).waitFor();
    const text = (await table.textContent())!;
    for (const h of HOSTS) assert.ok(text.includes(h), `${h} listed`);
    assert.match(text, /online|stale/);
    await table.locator('a', { hasText: HOSTS[0] }).click();
    await page.getByTestId('host-noise').locator('tbody tr').first().waitFor();
    assert.equal(dialogs.length, 0);
    await shot(page, '04-hosts');
  });
});

test('exclusions: evidence and risk per item, export download, approval', { skip: SKIP }, async (t) => {
  await signedIn(ADMIN, async (page) => {
    await page.getByTestId('nav-exclusions').click();
    const items = page.getByTestId('exclusion-items');
    await items.locator('tbody tr').first().waitFor();
    assert.match((await items.textContent())!, /hosts/);
    assert.ok((await items.locator('.risk').count()) > 0, 'risk shown');
    // Exports hold approved items only; "include unreviewed" adds the rest and the file says so (issue 13).
    const exported = async () => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-mdatp-json').click()]);
      const file = path.join(SHOTS, '..', `export-${download.suggestedFilename()}`);
      await download.saveAs(file);
      return {
        name: download.suggestedFilename(),
        doc: JSON.parse(fs.readFileSync(file, 'utf8')) as { fleettuneReview?: string; exclusionSettings: { exclusions: unknown[] } },
      };
    };
    const approvedOnly = await exported();
    assert.equal(approvedOnly.doc.fleettuneReview, undefined, 'an approved-only export carries no unreviewed mark');
    await page.getByTestId('export-include-unreviewed').check();
    const all = await exported();
    assert.match(all.name, /^UNREVIEWED-/);
    assert.match(all.doc.fleettuneReview ?? '', /^UNREVIEWED/);
    assert.ok(all.doc.exclusionSettings.exclusions.length > 0, 'the downloaded export has exclusions');
    await page.getByTestId('export-include-unreviewed').uncheck();
    await shot(page, '05-exclusions');
    if (hasRoute('post', '/api/v1/exclusion-items/{id}/decision')) {
      const row = items.locator('tbody tr').first();
      const id = await row.getAttribute('data-item-id');
      await row.getByTestId('approve').click();
      await page.getByTestId('notice').filter({ hasText: 'approve' }).waitFor();
      await shot(page, '06-exclusions-approved');
      const set = await admin.get<{ items: Array<{ id: string; status?: string; decision?: unknown }> }>('/api/v1/exclusion-sets/latest');
      const item = set.items.find((i) => i.id === id);
      assert.match(JSON.stringify(item), /approve/, 'the decision was recorded');
    } else {
      t.diagnostic('POST /api/v1/exclusion-items/{id}/decision is not offered by this hub yet: approval not tested');
      assert.equal(await page.getByTestId('approve').count(), 0, 'no approve button without the endpoint');
    }
  });
});

test(
  'push to a target: an admin adds a webhook target, an approver pushes the approved items, the push history shows them delivered',
  { skip: SKIP },
  async (t) => {
    if (!hasRoute('get', '/api/v1/policy-pushes')) return t.skip('this hub has no push history API');
    // The admin adds the target in the Admin page; its signing secret is shown once.
    const adminUi = await signIn(ADMIN);
    let secret: string;
    try {
      await adminUi.page.getByTestId('nav-admin').click();
      const card = adminUi.page.getByTestId('policy-targets');
      await card.getByLabel('target name').fill('cm-webhook');
      await card.getByLabel('webhook url').fill(receiverUrl);
      await card.getByRole('button', { name: 'add target' }).click();
      secret = (await adminUi.page.getByTestId('new-target-secret').locator('code').textContent())!;
      assert.match(secret, /^whsec_/);
    } finally {
      await adminUi.context.close();
    }
    const targets = await admin.get<Array<{ id: string; name: string }>>('/api/v1/policy-targets');
    const cm = targets.find((x) => x.name === 'cm-webhook')!;
    const hostile = await admin.post<{ id: string }>('/api/v1/policy-targets', { name: HOSTILE_TARGET, kind: 'webhook', url: receiverUrl });
    const approved = (await admin.get<{ items: Array<{ decision: { status: string } }> }>('/api/v1/exclusion-sets/latest')).items.filter(
      (i) => i.decision.status === 'approved',
    ).length;
    assert.ok(approved > 0, 'the exclusions test approved an item');

    await signedIn(approverToken, async (page) => {
      await page.getByTestId('nav-exclusions').click();
      await page.getByTestId('push-target').selectOption(cm.id);
      await page.getByTestId('push-button').click();
      await page.getByTestId('notice').filter({ hasText: 'queued push' }).waitFor();
      const history = page.getByTestId('push-history');
      // The history refreshes itself while a push is queued: the row turns delivered without a reload.
      await history.getByTestId('push-status').filter({ hasText: 'delivered' }).first().waitFor();
      await page.getByTestId('push-target').selectOption(hostile.id);
      await page.getByTestId('push-button').click();
      await history.locator('tbody tr').nth(1).waitFor();
      await waitFor('both pushes delivered', async () =>
        (await history.getByTestId('push-status').filter({ hasText: 'delivered' }).count()) === 2 ? true : undefined,
      );
      const text = (await history.textContent())!;
      assert.ok(text.includes('cm-webhook'));
      const name = history.locator('.safe', { hasText: '<script>' }).first();
      assert.ok(
        (await name.getAttribute('data-full'))!.startsWith(`hook "q" <script>alert('target')</script>red\\nline2 BBB`),
        'markup as text, escapes made visible',
      );
      assert.ok(!text.includes('\u001b') && !text.includes('\n'), 'no raw control characters');
      assert.equal(await page.locator('main script, main img').count(), 0, 'no injected elements');
      await shot(page, '11-exclusions-push-history');
    });
    // The API agrees with the page, and the receiver got exactly the two signed bodies.
    const pushes = (await admin.get<{ items: PushRow[] }>('/api/v1/policy-pushes?mode=webhook')).items;
    assert.deepEqual(
      pushes.map((p) => [p.target.id, p.status, p.attempts, p.itemCount]),
      [
        [hostile.id, 'delivered', 1, approved],
        [cm.id, 'delivered', 1, approved],
      ],
    );
    assert.equal(received.length, 2);
    const mine = received.find((r) => JSON.parse(r.body).target.id === cm.id)!;
    assert.equal(
      mine.signature,
      'sha256=' + createHmac('sha256', secret).update(`${mine.timestamp}.${mine.body}`, 'utf8').digest('hex'),
      'signed with the secret the page showed',
    );

    // Per target, in Admin: the target's own push history.
    const again = await signIn(ADMIN);
    try {
      await again.page.getByTestId('nav-admin').click();
      const row = again.page.getByTestId('policy-targets').locator('tr', { hasText: 'cm-webhook' });
      // Drift is checked for console connectors only; a webhook target shows none.
      assert.equal((await row.getByTestId('target-drift').innerText()).trim(), '—');
      await row.getByTestId('target-history').click();
      const h = again.page.getByTestId('push-history');
      await h.getByTestId('push-status').first().waitFor();
      assert.equal(await h.locator('tbody tr').count(), 1, 'only the pushes to this target');
      await shot(again.page, '12-admin-policy-targets');
    } finally {
      await again.context.close();
    }
    assert.deepEqual(dialogs, [], 'no script ran');
  },
);

test('closed loop: the trend plot marks the push, and before/after numbers for the subject match the raw counts', { skip: SKIP }, async (t) => {
  if (!hasRoute('get', '/api/v1/policy-pushes')) return t.skip('this hub has no push history API');
  const cm = (await admin.get<{ items: PushRow[] }>('/api/v1/policy-pushes?mode=webhook')).items.find((p) => p.target.name === 'cm-webhook');
  if (!cm) return t.skip('the push test did not run');
  // The replayed logs were recorded earlier: place the push inside their time span (at a window boundary in the middle),
  // as if it had been pushed while they were recorded, so there is noise before and after it.
  const starts = (await sql<{ s: Date }>(`SELECT DISTINCT window_start AS s FROM exec_counts ORDER BY 1`)).map((r) => r.s);
  assert.ok(starts.length >= 2, `need windows before and after the push (have ${starts.length})`);
  const at = starts[Math.floor(starts.length / 2)];
  await sql(`UPDATE policy_pushes SET created_at = $2, delivered_at = $3 WHERE id = $1`, [cm.id, new Date(at.getTime() - 2000), at]);
  await sql(`UPDATE policy_delivery_attempts SET at = $2 WHERE push_id = $1`, [cm.id, at]);
  const span = 600; // the page's "10 minutes" window
  const from = new Date(at.getTime() - span * 1000);
  const to = new Date(at.getTime() + span * 1000);
  // The subject: the exec with the most events on both sides of the push (an independent sum over the raw table).
  const [pick] = await sql<{ path: string; before: string; after: string }>(
    `SELECT path, SUM(count) FILTER (WHERE window_start >= $1 AND window_start < $2)::bigint AS before,
            SUM(count) FILTER (WHERE window_start >= $2 AND window_start < $3)::bigint AS after
     FROM exec_counts WHERE path NOT LIKE '%quoted%' GROUP BY path
     HAVING SUM(count) FILTER (WHERE window_start < $2) > 0 AND SUM(count) FILTER (WHERE window_start >= $2) > 0
     ORDER BY SUM(count) DESC LIMIT 1`,
    [from, at, to],
  );
  assert.ok(pick, 'an exec seen before and after the push');
  await signedIn(ADMIN, async (page) => {
    await goHash(page, `/trends?kind=exec&subject=${encodeURIComponent(pick.path)}`);
    const chart = page.getByTestId('trend-chart');
    await chart.locator('canvas').waitFor();
    const marker = chart.locator('.trend-marker.push');
    await marker.first().waitFor();
    // The chart re-renders once the push history arrives: take both boxes from one laid-out frame.
    const [m, c] = await waitFor('the push marker and the plot laid out', async () => {
      const boxes = [await marker.first().boundingBox(), await chart.locator('canvas').first().boundingBox()];
      return boxes[0] && boxes[1] ? (boxes as [NonNullable<(typeof boxes)[0]>, NonNullable<(typeof boxes)[1]>]) : undefined;
    });
    assert.ok(m.x >= c.x && m.x <= c.x + c.width, 'the push line is inside the plot');
    assert.match((await marker.first().textContent())!, /push v\d+ → cm-webhook/);
    const list = page.getByTestId('trend-markers');
    assert.match((await list.locator('li[data-kind="push"]', { hasText: 'cm-webhook' }).textContent())!, /push v\d+/);
    // The push to the hostile target happened now, after the recorded data: listed, named as text, not drawn.
    const late = list.locator('li[data-kind="push"]', { hasText: 'outside the plotted data' });
    assert.ok((await late.textContent())!.includes('<script>'), 'the hostile target name as text');
    const ba = page.getByTestId('before-after');
    await page.getByTestId('before-after-push').selectOption(cm.id);
    await page.getByTestId('before-after-window').selectOption(String(span / 60));
    const before = Number(pick.before);
    const after = Number(pick.after);
    await ba
      .getByTestId('before-row')
      .filter({ hasText: before.toLocaleString('en-US') })
      .waitFor();
    await ba
      .getByTestId('after-row')
      .filter({ hasText: after.toLocaleString('en-US') })
      .waitFor();
    const verdict = (await ba.getByTestId('before-after-verdict').textContent())!;
    const pct = Math.abs(((after - before) / before) * 100).toFixed(0);
    assert.equal(verdict.trim(), `${after < before ? 'fell' : after > before ? 'rose' : 'unchanged'} by ${pct} %`);
    // The closed loop (issue 14 item 4): a webhook push is not read back and no agent reported applying it, so the card
    // says it is confirmed in force nowhere instead of crediting the change to it.
    await ba.getByTestId('before-after-confirmation').filter({ hasText: 'In force on 0 hosts' }).waitFor();
    await shot(page, '13-trends-push-marker');
    // A hostile path as the subject: titles and the before/after card show it as text, the page does not widen.
    await goHash(page, `/trends?kind=exec&subject=${encodeURIComponent(HOSTILE_EXEC)}`);
    await page.getByTestId('trend-card').locator('.safe', { hasText: 'quoted' }).waitFor();
    await ba.locator('.safe', { hasText: 'quoted' }).waitFor();
    assert.equal(await page.locator('main script, main img').count(), 0);
    await shot(page, '14-trends-hostile-subject');
  });
  assert.deepEqual(dialogs, [], 'no script ran');
});

test('host tags: an admin edits them, the tag filter narrows the noise list, hostile tags are text', { skip: SKIP }, async (t) => {
  if (!hasRoute('put', '/api/v1/hosts/{id}/tags')) return t.skip('this hub has no host tags API yet');
  const hosts = await admin.get<Array<{ id: string; hostname: string }>>('/api/v1/hosts');
  const tagged = hosts.find((h) => h.hostname === HOSTS[0])!;
  const other = hosts.find((h) => h.hostname === HOSTS[HOSTS.length - 1])!;
  await sql(`UPDATE hosts SET tags = ARRAY['zz-legacy', $2] WHERE id = $1`, [other.id, HOSTILE_TAG]);
  await signedIn(ADMIN, async (page) => {
    await goHash(page, `/hosts/${tagged.id}`);
    const editor = page.getByTestId('tag-editor');
    // The hub refuses a bad tag (the page warns first and shows the hub's answer as text).
    await editor.getByTestId('tag-input').fill('<script>alert(1)</script>');
    await editor.getByTestId('tag-problems').waitFor();
    await editor.getByTestId('tag-save').click();
    await editor.getByRole('alert').filter({ hasText: '400' }).waitFor();
    await editor.getByTestId('tag-input').fill('team:web, prod');
    await editor.getByTestId('tag-save').click();
    await page.getByTestId('host-detail').getByTestId('host-tags').filter({ hasText: 'team:web' }).waitFor();
    assert.deepEqual((await admin.get<{ tags: string[] }>(`/api/v1/hosts/${tagged.id}`)).tags, ['prod', 'team:web']);
    // The list shows every host's tags; the hostile one as text, truncated, no layout overflow.
    const table = page.getByTestId('hosts-table');
    const bad = table.locator('.safe.tag', { hasText: 'script' });
    await bad.waitFor();
    const shown = (await bad.textContent())!;
    assert.ok(shown.includes("<script>alert('tag')") || shown.includes('<script>'), 'markup shown as text');
    assert.ok(!shown.includes('\u001b') && !shown.includes('\n') && shown.length < 40, 'cleaned and truncated');
    assert.equal(await page.locator('main script, main img').count(), 0);
    await shot(page, '15-hosts-tags');

    // Noise, filtered to the tag: the same rows the API gives for it, and fewer events than the whole fleet.
    await page.getByTestId('nav-noise').click();
    const exec = page.getByTestId('noise-table-exec');
    await exec.locator('tbody tr').first().waitFor();
    await page.getByTestId('tag-filter').selectOption('team:web');
    const want = await admin.get<Array<{ subject: string; count: number; hosts: number }>>('/api/v1/noise/execs?top=10&tag=team:web');
    const all = await admin.get<Array<{ subject: string; count: number }>>('/api/v1/noise/execs?top=10');
    assert.ok(want.length > 0 && want.every((r) => r.hosts === 1), 'one host carries the tag');
    assert.ok(want[0].count < all[0].count || want[0].subject !== all[0].subject, 'the filter changes the answer');
    await exec
      .locator('tbody tr')
      .first()
      .filter({ hasText: want[0].count.toLocaleString('en-US') })
      .waitFor();
    const cells = await exec.locator('tbody tr td.subject .safe').evaluateAll((els) => els.map((e) => e.getAttribute('data-full')));
    assert.deepEqual(
      cells,
      want.map((r) => r.subject),
      "exactly the tagged host's top programs",
    );
    assert.ok(!cells.some((c) => c?.includes('quoted')), 'the hostile host (untagged) dropped out');
    await shot(page, '16-noise-tag-filter');
  });
  assert.deepEqual(dialogs, [], 'no script ran');
});

test('alerts: list and acknowledge', { skip: SKIP }, async (t) => {
  if (!hasRoute('get', '/api/v1/alerts')) return t.skip('this hub has no alerts API yet');
  const approver = new HubApi(hub.httpUrl, approverToken);
  const { jobId } = await approver.post<{ jobId: string }>('/api/v1/alerts/evaluate', {});
  for (let i = 0; i < 120; i++) {
    const job = await approver.get<{ state: string }>(`/api/v1/alerts/jobs/${jobId}`);
    if (job.state === 'completed' || job.state === 'failed') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  let open = await approver.get<Array<{ id: string }>>('/api/v1/alerts?status=open');
  if (!open.length) {
    // The replayed demo logs hold no *newly* noisy app (no baseline to rise over): file one alert the way the
    // detector stores it, so acknowledging is still tested through the real endpoint.
    const ok = await insertAlert().then(
      () => true,
      (err: Error) => (t.diagnostic(`could not insert an alert: ${err.message}`), false),
    );
    if (ok) open = await approver.get<Array<{ id: string }>>('/api/v1/alerts?status=open');
  }
  await signedIn(approverToken, async (page) => {
    await page.getByTestId('nav-alerts').click();
    await page.getByTestId('alerts-table').waitFor();
    if (!open.length) {
      await shot(page, '07-alerts');
      return t.skip('the alert job found nothing new in the demo data to acknowledge');
    }
    const row = page.locator(`tr[data-alert-id="${open[0].id}"]`);
    await row.getByTestId('acknowledge').click();
    await row.getByTestId('alert-state').filter({ hasText: 'acknowledged' }).waitFor();
    await shot(page, '07-alerts');
    const after = await approver.get<{ status: string }>(`/api/v1/alerts/${open[0].id}`);
    assert.equal(after.status, 'acknowledged');
  });
});

test('cost: fleet security-agent cost and a host plot', { skip: SKIP }, async (t) => {
  if (!hasRoute('get', '/api/v1/cost/fleet')) return t.skip('this hub has no cost API yet');
  await insertCostWindows();
  const fleet = await new HubApi(hub.httpUrl, ADMIN).get<{ topHosts: Array<{ cpuPercent: number }> }>('/api/v1/cost/fleet');
  assert.equal(fleet.topHosts.length, 1);
  assert.ok(fleet.topHosts[0].cpuPercent > 0);
  await signedIn(ADMIN, async (page) => {
    await page.getByTestId('nav-cost').click();
    await page.getByTestId('fleet-cost').waitFor();
    await page.getByTestId('host-cost').getByTestId('trend-chart').waitFor();
    await shot(page, '10-cost');
  });
});

test('admin page: tokens and the audit log of writes', { skip: SKIP }, async () => {
  await signedIn(ADMIN, async (page) => {
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('tokens').locator('tbody tr').nth(2).waitFor();
    const log = page.getByTestId('audit-log');
    await log.locator('tbody tr').first().waitFor();
    assert.match((await log.textContent())!, /token\.create/);
    await shot(page, '08-admin');
  });
});

test('a viewer sees no approve, recompute or alert buttons, and the API refuses them', { skip: SKIP }, async () => {
  await signedIn(viewerToken, async (page) => {
    assert.equal(await page.getByTestId('role').textContent(), 'viewer');
    assert.equal(await page.getByTestId('nav-admin').count(), 0, 'no admin page');
    await page.getByTestId('nav-exclusions').click();
    await page.getByTestId('exclusion-items').locator('tbody tr').first().waitFor();
    assert.equal(await page.getByTestId('approve').count(), 0);
    assert.equal(await page.getByTestId('recompute').count(), 0);
    assert.ok((await page.getByTestId('exports').locator('button').count()) > 0, 'a viewer may still export');
    assert.equal(await page.getByTestId('push-button').count(), 0, 'no push for viewers');
    if (hasRoute('get', '/api/v1/policy-pushes')) await page.getByTestId('push-history').waitFor();
    await shot(page, '09-exclusions-viewer');
    const [someHost] = await admin.get<Array<{ id: string }>>('/api/v1/hosts?limit=1');
    await goHash(page, `/hosts/${someHost.id}`);
    await page.getByTestId('host-detail').waitFor();
    await page.getByTestId('host-trend').waitFor();
    assert.equal(await page.getByTestId('tag-editor').count(), 0, 'no tag editor for viewers');
    if (hasRoute('get', '/api/v1/alerts')) {
      await page.getByTestId('nav-alerts').click();
      await page.getByTestId('alerts-table').waitFor();
      assert.equal(await page.getByTestId('acknowledge').count(), 0);
    }
  });
  const viewer = new HubApi(hub.httpUrl, viewerToken);
  const set = await admin.get<{ items: Array<{ id: string }> }>('/api/v1/exclusion-sets/latest');
  const post = (p: string, body: unknown) =>
    fetch(`${hub.httpUrl}${p}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const decision = await post(`/api/v1/exclusion-items/${set.items[0].id}/decision`, { decision: 'approve', comment: 'viewer tries' });
  if (hasRoute('post', '/api/v1/exclusion-items/{id}/decision')) {
    assert.equal(decision.status, 403);
    const body = (await decision.json()) as { statusCode: number; error: string; message: string };
    assert.equal(body.statusCode, 403);
    assert.equal(body.error, 'Forbidden');
  }
  assert.equal((await post('/api/v1/exclusion-sets/recompute', {})).status, 403);
  const targets = await admin.get<Array<{ id: string }>>('/api/v1/policy-targets');
  if (targets.length) {
    const setId = (await admin.get<{ id: string }>('/api/v1/exclusion-sets/latest')).id;
    assert.equal((await post(`/api/v1/exclusion-sets/${setId}/push`, { targetId: targets[0].id })).status, 403, 'viewers cannot push');
  }
  if (hasRoute('put', '/api/v1/hosts/{id}/tags')) {
    const [h] = await admin.get<Array<{ id: string }>>('/api/v1/hosts?limit=1');
    const put = await fetch(`${hub.httpUrl}/api/v1/hosts/${h.id}/tags`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${viewerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tags: ['x'] }),
    });
    assert.equal(put.status, 403, 'viewers cannot tag hosts');
  }
  if (hasRoute('get', '/api/v1/policy-pushes')) assert.equal((await viewer.raw('GET', '/api/v1/policy-pushes')).status, 200, 'viewers read the push history');
  assert.equal((await post('/api/v1/tokens', { name: 'x', role: 'admin' })).status, 403);
  assert.equal((await viewer.raw('GET', '/api/v1/audit-log')).status, 403);
  assert.equal((await viewer.raw('GET', '/api/v1/noise/execs')).status, 200);
  assert.deepEqual(dialogs, [], 'no script from the data ran in any page');
});

test('a pending host is marked in the hosts list and an admin approves it from its page (issue 13)', { skip: SKIP }, async (t) => {
  if (!hasRoute('post', '/api/v1/hosts/{id}/approve')) return t.skip('this hub has no host approval API yet');
  const [pending] = await sql<{ id: string }>(
    `INSERT INTO hosts (id, hostname, os, status) VALUES (gen_random_uuid(), 'zz-pending-laptop', 'darwin', 'pending') RETURNING id::text AS id`,
  );
  await signedIn(ADMIN, async (page) => {
    await page.getByTestId('nav-hosts').click();
    const row = page.getByTestId('hosts-table').locator('tbody tr', { hasText: 'zz-pending-laptop' });
    await row.waitFor();
    assert.match((await row.getByTestId('host-enrollment').textContent())!, /pending/);
    await goHash(page, `/hosts/${pending.id}`);
    await page.getByRole('button', { name: 'Approve host' }).click();
    await page.getByTestId('host-detail').getByTestId('host-enrollment').waitFor({ state: 'detached' });
    assert.equal((await admin.get<{ enrollment: string }>(`/api/v1/hosts/${pending.id}`)).enrollment, 'active');
    await shot(page, '16-host-approved');
  });
});

test('API docs: the Swagger UI renders and lists the operations under the hub-wide CSP, with no violation', { skip: SKIP }, async () => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  try {
    const res = await page.goto(`${hub.httpUrl}/api/docs`);
    assert.match(res!.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await page.locator('.swagger-ui .info .title', { hasText: 'fleettune hub' }).waitFor();
    await page.locator('.opblock').first().waitFor();
    assert.ok((await page.locator('.opblock').count()) > 20, 'the operations are listed');
    await shot(page, '20-api-docs');
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, [], 'nothing was refused by the CSP');
});

test('a host whose agent runs --redact-users carries the "users redacted" badge; the others do not', { skip: SKIP }, async () => {
  // Last, so the hosts the other tests counted on are unchanged: one more simulated host, in privacy mode.
  const res = await runAgent([
    ...replayOnceArgs({
      hub: hub.grpcAddress,
      enrollSecret: ENROLL,
      input: path.join(LOGS, `${HOSTS[0]}.audit.log`),
      hostname: 'private-04',
      stateDir: path.join(stateRoot, 'private-04'),
    }),
    '--redact-users',
  ]);
  assert.equal(res.code, 0, res.stderr);
  await signedIn(ADMIN, async (page) => {
    await page.getByTestId('nav-hosts').click();
    const row = page.getByTestId('hosts-table').locator('tbody tr', { hasText: 'private-04' });
    await row.getByTestId('host-redacted').waitFor();
    assert.equal(await page.getByTestId('hosts-table').getByTestId('host-redacted').count(), 1, 'only the redacting host is marked');
    await row.locator('a', { hasText: 'private-04' }).click();
    await page.getByTestId('host-detail').getByTestId('host-redacted').waitFor();
    await shot(page, '17-host-users-redacted');
  });
});

test('a Cisco Secure Endpoint target: the approver runs a dry run from the push card (nothing changes), then pushes', { skip: SKIP }, async (t) => {
  if (!hasRoute('get', '/api/v1/policy-targets/{id}/drift')) return t.skip('this hub has no console connectors');
  // The hub's own fake Secure Endpoint (documented token flow, shapes and errors), built with the hub.
  const { FakeCiscoSecureEndpoint } = (await import(path.join(REPO, 'apps/hub/dist/testing/fake-cisco-secure-endpoint.js'))) as {
    FakeCiscoSecureEndpoint: new (o: { clientId: string; clientSecret: string; organizationId: string; exclusionSetGuid: string }) => {
      start(): Promise<{ url: string; exclusions: unknown[]; writes(): unknown[]; targetConfig(): Record<string, unknown>; close(): Promise<void> }>;
    };
  };
  const fake = await new FakeCiscoSecureEndpoint({
    clientId: 'e2e-client',
    clientSecret: 'e2e-password',
    organizationId: 'org1',
    exclusionSetGuid: 'set1',
  }).start();
  try {
    const target = await admin.post<{ id: string }>('/api/v1/policy-targets', {
      name: 'cisco-linux',
      kind: 'cisco-secure-endpoint',
      config: fake.targetConfig(),
      credentials: { clientId: 'e2e-client', clientSecret: 'e2e-password' },
    });
    // An approved item Secure Endpoint can carry (the exclusions test approved an auditd-only one): the log file's wildcard path.
    const set = await admin.get<{ id: string; items: Array<{ id: string; type: string; value: string; decision: { status: string } }> }>(
      '/api/v1/exclusion-sets/latest',
    );
    const pending = set.items.filter((i) => i.type === 'wildcard' && i.decision.status !== 'approved');
    const wildcard = pending.find((i) => i.value.endsWith('.log')) ?? pending[0];
    if (wildcard) await admin.post(`/api/v1/exclusion-items/${wildcard.id}/decision`, { decision: 'approved', comment: 'e2e: for the console' });
    const plan = await admin.post<{ plan: { add: unknown[] } }>(`/api/v1/exclusion-sets/${set.id}/push`, { targetId: target.id, dryRun: true });
    assert.ok(plan.plan.add.length >= 1, 'something to add');
    await signedIn(approverToken, async (page) => {
      await page.getByTestId('nav-exclusions').click();
      await page.getByTestId('push-target').selectOption(target.id);
      await page.getByTestId('dry-run-button').click();
      const result = page.getByTestId('dry-run-result');
      await result.waitFor();
      assert.match((await result.textContent())!, new RegExp(`would add ${plan.plan.add.length}, remove 0, keep 0`));
      assert.deepEqual(fake.writes(), [], 'the dry run wrote nothing to the console');
      await shot(page, '18-exclusions-console-dry-run');
      await page.getByTestId('push-button').click();
      await page.getByTestId('notice').filter({ hasText: 'queued push' }).waitFor();
    });
    await waitFor('the console push finished', async () => {
      const rows = (await admin.get<{ items: Array<{ status: string; verified?: boolean | null }> }>(`/api/v1/policy-pushes?targetId=${target.id}`)).items;
      return rows[0] && !['queued', 'retrying'].includes(rows[0].status) ? rows[0] : undefined;
    }).then((row) => assert.deepEqual([row.status, row.verified], ['delivered', true]));
    assert.equal(fake.exclusions.length, plan.plan.add.length, 'the console holds what the dry run said');
    assert.deepEqual(dialogs, [], 'no script ran');
  } finally {
    await fake.close();
  }
});
