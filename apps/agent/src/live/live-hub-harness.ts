/**
 * For agent specs that stream to a real hub: the hub of apps/hub (its
 * built testing/test-hub.js, loaded at run time so the agent does not depend
 * on the hub at build time) with a freshly migrated database, the agent CLI
 * as a real process, and the hub's stored totals read back from PostgreSQL
 * in the shape of `report --json`, so the two can be compared directly.
 */
import { spawn } from 'node:child_process';
import { after, before } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { runReport } from '../commands/report-command';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
export const AGENT_MAIN = path.join(REPO, 'apps', 'agent', 'dist', 'main.js');
const TEST_HUB = path.join(REPO, 'apps', 'hub', 'dist', 'testing', 'test-hub.js');
export const ENROLL_SECRET = 'agent-live-enroll-secret-0000000';

/** Why these specs cannot run here (hub not built), or undefined. */
export function hubUnavailable(): string | undefined {
  if (!fs.existsSync(TEST_HUB)) return `${TEST_HUB} not built (npx tsc -b apps/hub)`;
  if (!fs.existsSync(AGENT_MAIN)) return `${AGENT_MAIN} not built`;
  return undefined;
}

export interface HubForAgents {
  grpcAddress: string;
  grpcPort: number;
  /** The hub's REST base URL (http://127.0.0.1:port). */
  httpUrl: string;
  dbUrl: string;
  close(): Promise<void>;
}

/** `env` adds or overrides hub settings (the enrollment secret is ENROLL_SECRET unless it sets its own). */
export async function startHubForAgents(name: string, env: Record<string, string> = {}): Promise<HubForAgents> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTestHub } = require(TEST_HUB) as {
    startTestHub(
      n: string,
      env: Record<string, string>,
    ): Promise<{ db: { url: string; drop(): Promise<void> }; hub: { grpcPort: number; httpPort: number; close(): Promise<void> } }>;
  };
  const { db, hub } = await startTestHub(name, { FLEETTUNE_ENROLL_SECRET: ENROLL_SECRET, ...env });
  return {
    grpcAddress: `127.0.0.1:${hub.grpcPort}`,
    grpcPort: hub.grpcPort,
    httpUrl: `http://127.0.0.1:${hub.httpPort}`,
    dbUrl: db.url,
    async close() {
      await hub.close();
      await db.drop();
    },
  };
}

/** What a hub-streaming agent spec works with; set once the `before` hook of `useHubForAgents` has run. */
export interface LiveHubFixture {
  /** Unset when `hubUnavailable()` says why the hub cannot run here. */
  hub: HubForAgents;
  /** A temporary directory of the spec's own, removed afterwards. */
  dir: string;
}

/**
 * The set-up the hub-streaming agent specs share, as node:test hooks of the calling file: `before` makes a
 * temporary directory (named from `tmpPrefix`) and, unless `hubUnavailable()`, starts a hub (`env`: settings of
 * its own); `after` closes the hub and removes the directory.
 */
export function useHubForAgents(name: string, tmpPrefix: string, env: Record<string, string> = {}): LiveHubFixture {
  const fixture = {} as LiveHubFixture;
  before(
    async () => {
      fixture.dir = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
      if (!hubUnavailable()) fixture.hub = await startHubForAgents(name, env);
    },
    { timeout: 180_000 },
  );
  after(
    async () => {
      await fixture.hub?.close();
      if (fixture.dir) fs.rmSync(fixture.dir, { recursive: true, force: true });
    },
    { timeout: 60_000 },
  );
  return fixture;
}

/** `run --once` of one source and input against the fixture's hub, as the hub-streaming specs run it. */
export function runAgentOnce(
  live: LiveHubFixture,
  o: { source: string; input: string; hostname: string; stateDir: string; extra?: string[]; enrollSecret?: boolean },
): Promise<{ code: number | null; output: string }> {
  return runAgent([
    'run',
    '--hub',
    live.hub.grpcAddress,
    ...(o.enrollSecret === false ? [] : ['--enroll-secret', ENROLL_SECRET]),
    '--hostname',
    o.hostname,
    '--state-dir',
    o.stateDir,
    '--once',
    '--source',
    o.source,
    '--input',
    o.input,
    ...(o.extra ?? []),
  ]);
}

/** Runs the agent CLI; resolves with its exit code and output. */
export function runAgent(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [AGENT_MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The part of `report --json` the hub must equal: every row, in a fixed order. */
export interface ComparableTotals {
  events: number;
  skipped: number;
  execs: Array<{ path: string; count: number; parents: Array<{ path: string; count: number }>; users: Array<{ user: string; count: number }> }>;
  files: Array<{ path: string; count: number; ops: Record<string, number> }>;
  keys: Array<{ key: string; count: number }>;
  syscalls: Array<{ syscall: string; count: number }>;
}

const byName =
  <T>(f: (x: T) => string) =>
  (a: T, b: T) =>
    f(a) < f(b) ? -1 : f(a) > f(b) ? 1 : 0;

function normalize(t: ComparableTotals): ComparableTotals {
  const ops = (o: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(o)
        .filter(([, n]) => n > 0)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  return {
    events: t.events,
    skipped: t.skipped,
    execs: t.execs
      .map((e) => ({ path: e.path, count: e.count, parents: [...e.parents].sort(byName((p) => p.path)), users: [...e.users].sort(byName((u) => u.user)) }))
      .sort(byName((e) => e.path)),
    files: t.files.map((f) => ({ path: f.path, count: f.count, ops: ops(f.ops) })).sort(byName((f) => f.path)),
    keys: [...t.keys].sort(byName((k) => k.key)),
    syscalls: [...t.syscalls].sort(byName((s) => s.syscall)),
  };
}

/** `report --source X --input F --json` with every row. */
export async function reportTotals(source: string, input: string): Promise<ComparableTotals> {
  let out = '';
  let err = '';
  const code = await runReport(
    { source, input, top: 1_000_000, json: true },
    { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, stdin: process.stdin },
  );
  if (code !== 0) throw new Error(`report failed (${code}): ${err}`);
  return normalize(JSON.parse(out) as ComparableTotals);
}

/** What the hub stored for `hostname` and `source`, summed over all windows, as report shows it (keys/syscalls: the host's, unless `hostKeys` is false). */
export async function hubTotals(dbUrl: string, hostname: string, source: string, hostKeys = true): Promise<ComparableTotals> {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const host = await c.query<{ id: string }>('SELECT id FROM hosts WHERE hostname = $1', [hostname]);
    if (host.rows.length !== 1) throw new Error(`${host.rows.length} hosts named ${hostname} at the hub`);
    const id = host.rows[0].id;
    const num = (v: unknown) => Number(v);
    const b = await c.query('SELECT COALESCE(SUM(events),0) AS e, COALESCE(SUM(skipped),0) AS s FROM ingest_batches WHERE host_id = $1 AND source = $2', [
      id,
      source,
    ]);
    const ex = await c.query<{ path: string; parent_path: string; user: string; n: string }>(
      'SELECT path, parent_path, "user", SUM(count) AS n FROM exec_counts WHERE host_id = $1 AND source = $2 GROUP BY 1, 2, 3',
      [id, source],
    );
    const fi = await c.query<{ path: string; op: string; n: string }>(
      'SELECT path, op, SUM(count) AS n FROM file_counts WHERE host_id = $1 AND source = $2 GROUP BY 1, 2',
      [id, source],
    );
    // Keys and syscalls are stored per host, not per source: `hostKeys` false leaves them out (other sources on the host).
    const audit = hostKeys;
    const ke = await c.query<{ key: string; n: string }>('SELECT key, SUM(count) AS n FROM audit_key_counts WHERE host_id = $1 AND $2 GROUP BY 1', [id, audit]);
    const sy = await c.query<{ syscall: string; n: string }>('SELECT syscall, SUM(count) AS n FROM syscall_counts WHERE host_id = $1 AND $2 GROUP BY 1', [
      id,
      audit,
    ]);
    const execs = new Map<string, ComparableTotals['execs'][number]>();
    const add = <T extends { count: number }>(list: T[], match: (x: T) => boolean, make: () => T, n: number) => {
      const found = list.find(match);
      if (found) found.count += n;
      else list.push({ ...make(), count: n });
    };
    for (const r of ex.rows) {
      const n = num(r.n);
      let e = execs.get(r.path);
      if (!e) execs.set(r.path, (e = { path: r.path, count: 0, parents: [], users: [] }));
      e.count += n;
      add(
        e.parents,
        (p) => p.path === r.parent_path,
        () => ({ path: r.parent_path, count: 0 }),
        n,
      );
      add(
        e.users,
        (u) => u.user === r.user,
        () => ({ user: r.user, count: 0 }),
        n,
      );
    }
    const files = new Map<string, ComparableTotals['files'][number]>();
    for (const r of fi.rows) {
      let f = files.get(r.path);
      if (!f) files.set(r.path, (f = { path: r.path, count: 0, ops: {} }));
      f.count += num(r.n);
      f.ops[r.op] = (f.ops[r.op] ?? 0) + num(r.n);
    }
    return normalize({
      events: num(b.rows[0].e),
      skipped: num(b.rows[0].s),
      execs: [...execs.values()],
      files: [...files.values()],
      keys: ke.rows.map((r) => ({ key: r.key, count: num(r.n) })),
      syscalls: sy.rows.map((r) => ({ syscall: r.syscall, count: num(r.n) })),
    });
  } finally {
    await c.end();
  }
}
