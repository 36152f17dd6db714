import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from 'pg';
import { CountBatch, ExecCount, ProgramFormat } from '@fleettune/proto';
import { execCount } from '@fleettune/proto/dist/testing/exec-count';
import { useTestHub } from '../testing/hub-fixture';
import { uploadBatches } from '../testing/agent-upload';
import { ONE_ADDRESS_AGENTS_ENV, SpecHost, enrollSpecHost } from '../testing/agent-enroll';
import { PROGRAM_FORMAT_CODES } from '../ingest/program-format-code';
import { ExclusionRecomputeService } from './exclusion-recompute.service';

// Issue 19 item 4 at the hub: ExecCount.program_format is stored, rolled up with script-wins
// semantics across batches and hosts, read back by the recompute, and decides process items.
const ADMIN = 'program-format-hub-admin-token-0000';
const ENROLL = 'program-format-hub-enroll-secret-00';
const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
const { PROGRAM_FORMAT_ELF: ELF, PROGRAM_FORMAT_SCRIPT: SCRIPT, PROGRAM_FORMAT_UNREADABLE: UNREADABLE } = ProgramFormat;

const SCRIPT_JOB = '/opt/acme/bin/sync-job';
const HELPER = '/opt/acme/bin/acme-helper';
const LEGACY = '/opt/acme/bin/legacy-tool';
const GONE = '/opt/acme/bin/gone-tool';

type Host = SpecHost;

function enroll(hostname: string): Promise<Host> {
  return enrollSpecHost(fx.client, ENROLL, hostname, 'linux', 'program-format');
}

const exec = (path: string, count: number, programFormat?: ProgramFormat): ExecCount => execCount(path, count, programFormat, { parentPath: '', user: 'root' });

function window(host: Host, m: number, execs: ExecCount[]): CountBatch {
  return CountBatch.fromPartial({
    hostId: host.hostId,
    sequence: host.sequence++,
    windowStartMs: T0 + m * MIN,
    windowEndMs: T0 + (m + 1) * MIN,
    source: 'bcc-execsnoop',
    events: execs.reduce((n, e) => n + e.count, 0),
    execs,
  });
}

const fx = useTestHub('program_format_hub_spec', { FLEETTUNE_ADMIN_TOKEN: ADMIN, FLEETTUNE_ENROLL_SECRET: ENROLL, ...ONE_ADDRESS_AGENTS_ENV }, async () => {
  const [a, b] = [await enroll('lin-1'), await enroll('lin-2')];
  // 20 minutes at 2.5 executions a second per program and host: every program crosses the exec bars on both hosts.
  const batches = (h: Host, formatOf: (path: string, m: number) => ProgramFormat | undefined) =>
    Array.from({ length: 20 }, (_, m) =>
      window(
        h,
        m,
        [SCRIPT_JOB, HELPER, LEGACY, GONE].map((p) => exec(p, 150, formatOf(p, m))),
      ),
    );
  // lin-1 read sync-job as a script in one window only (its other windows came from an older agent: no format);
  // lin-2 read it as an ELF (a binary once stood at that path): one script reading is enough.
  // The helper: ELF on lin-1 in a few windows, unreadable in others; ELF on lin-2. Legacy: no agent said (older agents). Gone: unreadable everywhere.
  const one = batches(a, (p, m) =>
    p === SCRIPT_JOB ? (m === 7 ? SCRIPT : undefined) : p === HELPER ? (m < 5 ? ELF : UNREADABLE) : p === GONE ? UNREADABLE : undefined,
  );
  const two = batches(b, (p) => (p === SCRIPT_JOB ? ELF : p === HELPER ? ELF : p === GONE ? UNREADABLE : undefined));
  assert.equal((await uploadBatches(fx.client, a.token, one)).length, 20);
  assert.equal((await uploadBatches(fx.client, b.token, two)).length, 20);
});

type Item = { type: string; value: string; reason: string; risk: { level: string; flags: string[] } };

async function api(path: string): Promise<unknown> {
  const res = await fetch(fx.base + path, { headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal(res.status, 200, path);
  return res.json();
}

test('stored per exec row and rolled up per cell with the strongest reading (script > binary > unreadable > none)', async () => {
  await fx.hub.app.get(ExclusionRecomputeService).recompute();
  const c = new Client({ connectionString: fx.db.url });
  await c.connect();
  try {
    const raw = await c.query<{ path: string; formats: (number | null)[] }>(
      `SELECT path, array_agg(DISTINCT program_format) AS formats FROM exec_counts GROUP BY path ORDER BY path`,
    );
    const codes = PROGRAM_FORMAT_CODES;
    assert.deepEqual(Object.fromEntries(raw.rows.map((r) => [r.path, r.formats])), {
      [HELPER]: [codes.unreadable, codes.elf],
      [GONE]: [codes.unreadable],
      [LEGACY]: [null],
      [SCRIPT_JOB]: [codes.elf, codes.script, null],
    });
    const rolled = await c.query<{ path: string; host: string; fmt: number | null }>(
      `SELECT s.path, h.hostname AS host, max(r.program_format) AS fmt
       FROM activity_rollups r JOIN activity_subjects s ON s.id = r.subject_id
       JOIN rollup_hosts rh ON rh.seq = r.host_seq JOIN hosts h ON h.id = rh.host_id
       WHERE s.kind = 'exec' GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    assert.deepEqual(
      rolled.rows.map((r) => [r.path, r.host, r.fmt]),
      [
        [HELPER, 'lin-1', codes.elf],
        [HELPER, 'lin-2', codes.elf],
        [GONE, 'lin-1', codes.unreadable],
        [GONE, 'lin-2', codes.unreadable],
        [LEGACY, 'lin-1', null],
        [LEGACY, 'lin-2', null],
        [SCRIPT_JOB, 'lin-1', codes.script],
        [SCRIPT_JOB, 'lin-2', codes.elf],
      ],
    );
    // The cells lin-1 sent in its first window (ELF) and later ones (unreadable) are one 20-minute cell: the binary reading wins.
    const cells = await c.query<{ fmt: number | null }>(
      `SELECT r.program_format AS fmt FROM activity_rollups r JOIN activity_subjects s ON s.id = r.subject_id WHERE s.path = $1`,
      [HELPER],
    );
    assert.ok(cells.rows.every((r) => r.fmt === codes.elf));
  } finally {
    await c.end();
  }
});

test('the engine at the hub: a script is refused with why, a confirmed binary is an item without the mark, unknown and unreadable are marked "confirm Mach-O/ELF"', async () => {
  await fx.hub.app.get(ExclusionRecomputeService).recompute();
  const set = (await api('/api/v1/exclusion-sets/latest')) as { items: Item[]; params: { rejected: { subject: string; why: string }[] } };
  const all = JSON.stringify(set.items.map((i) => [i.type, i.value, i.risk.flags]));
  assert.equal(
    set.items.find((i) => i.value === SCRIPT_JOB),
    undefined,
    all,
  );
  assert.match(set.params.rejected.find((r) => r.subject === SCRIPT_JOB)?.why ?? '', /is a script \(#!/, JSON.stringify(set.params.rejected));
  const helper = set.items.find((i) => i.type === 'process' && i.value === HELPER);
  assert.ok(helper, all);
  assert.ok(!helper.risk.flags.includes('format-unconfirmed'), all);
  assert.doesNotMatch(helper.reason, /confirm Mach-O/);
  for (const unknown of [LEGACY, GONE]) {
    const it = set.items.find((i) => i.type === 'process' && i.value === unknown);
    assert.ok(it, `${unknown}: ${all}`);
    assert.ok(it.risk.flags.includes('format-unconfirmed'), `${unknown}: ${all}`);
    assert.match(it.reason, /confirm Mach-O\/ELF/);
  }
});
