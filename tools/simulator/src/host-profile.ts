import { CountBatch } from '@fleettune/proto';
import { WindowCounts } from '@fleettune/counting';
import { HostTemplate } from './templates';

/** Small fast deterministic PRNG (mulberry32), so a run is reproducible from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST_NAMES = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'niaj',
  'olivia',
  'peggy',
  'rupert',
  'sybil',
  'trent',
  'victor',
  'walter',
  'yara',
];

/** Where a noisy outlier's extra app lives: a real-looking vendor sync daemon. */
export const OUTLIER_EXEC = '/opt/acme/bin/acme-sync';
export const OUTLIER_LOG = '/var/log/acme/sync.log';

/** One simulated host: a recorded template plus its own identity and variation. */
export interface HostProfile {
  index: number;
  hostname: string;
  machineId: string;
  /** This host's local user, substituted for the template's. */
  user: string;
  template: HostTemplate;
  /** Per-host volume factor (log-normal around 1). */
  scale: number;
  /** Apps (executables) this host does not run: its app mix. */
  absentApps: Set<string>;
  outlier: boolean;
  seed: number;
}

export interface ProfileOptions {
  runId: string;
  seed: number;
  /** Share of hosts that are noisy outliers (x10 volume plus a chatty daemon). */
  outlierFraction: number;
  /** Chance each non-system app of the template is absent on a host. */
  appDropChance: number;
}

const SYSTEM_PREFIXES = ['/usr/bin/', '/usr/sbin/', '/bin/', '/sbin/', '/usr/lib/', '/lib/'];

export function makeHostProfiles(n: number, templates: HostTemplate[], o: ProfileOptions): HostProfile[] {
  if (!templates.length) throw new Error('no templates');
  const r = rng(o.seed);
  const outliers = Math.round(n * o.outlierFraction);
  const hosts: HostProfile[] = [];
  for (let i = 0; i < n; i++) {
    const template = templates[i % templates.length];
    const apps = new Set<string>();
    for (const w of template.windows) for (const e of w.execs) if (!SYSTEM_PREFIXES.some((p) => e.path.startsWith(p))) apps.add(e.path);
    const absentApps = new Set([...apps].filter(() => r() < o.appDropChance));
    // Box-Muller: log-normal volume, sigma 0.35.
    const g = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    hosts.push({
      index: i,
      hostname: `${template.role}-${String(i + 1).padStart(5, '0')}.sim-${o.runId}`,
      machineId: `sim-${o.runId}-${i + 1}`,
      user: `${FIRST_NAMES[i % FIRST_NAMES.length]}${Math.floor(i / FIRST_NAMES.length) || ''}`,
      template,
      scale: Math.exp(0.35 * g),
      absentApps,
      // Spread outliers over the fleet rather than the first k hosts.
      outlier: outliers > 0 && i % Math.max(1, Math.floor(n / outliers)) === 0 && Math.floor(i / Math.max(1, Math.floor(n / outliers))) < outliers,
      seed: (o.seed * 7919 + i * 104729) >>> 0,
    });
  }
  return hosts;
}

export interface BatchShape {
  windowMs: number;
  /** Keep only the top rows (by count) of execs+files, like an agent-side top-N; 0 keeps all. */
  maxRows: number;
}

const trimCache = new WeakMap<WindowCounts, Map<number, WindowCounts>>();

/**
 * With a row cap, the template is first cut to its top rows (with head room
 * for the per-host jitter and app mix) once, so building a capped batch does
 * not transform and sort every recorded row each time.
 */
function trimmed(w: WindowCounts, maxRows: number): WindowCounts {
  if (!(maxRows > 0) || w.execs.length + w.files.length <= maxRows * 2) return w;
  let byCap = trimCache.get(w);
  if (!byCap) trimCache.set(w, (byCap = new Map()));
  let t = byCap.get(maxRows);
  if (!t) {
    const rows = [...w.execs.map((x) => ({ e: x, f: undefined, c: x.count })), ...w.files.map((x) => ({ e: undefined, f: x, c: x.count }))];
    rows.sort((a, b) => b.c - a.c);
    const keep = rows.slice(0, maxRows * 2);
    t = { ...w, execs: keep.flatMap((r) => (r.e ? [r.e] : [])), files: keep.flatMap((r) => (r.f ? [r.f] : [])) };
    byCap.set(maxRows, t);
  }
  return t;
}

function substitute(p: string, from: string, to: string): string {
  if (!from) return p;
  for (const root of ['/home/', '/Users/']) {
    if (p.startsWith(root + from) && (p.length === root.length + from.length || p[root.length + from.length] === '/')) {
      return root + to + p.slice(root.length + from.length);
    }
  }
  return p;
}

/**
 * The batch a host sends for its `seq`-th window (1-based), starting at
 * `windowStartMs`: the template's windows in turn, with the host's user,
 * app mix, volume and per-window jitter, plus the outlier's noise.
 */
export function buildBatch(host: HostProfile, hostId: string, seq: number, windowStartMs: number, shape: BatchShape): CountBatch {
  const t = host.template;
  const w: WindowCounts = trimmed(t.windows[(seq - 1) % t.windows.length], shape.maxRows);
  const r = rng(host.seed ^ Math.imul(seq, 0x9e3779b1));
  const scale = host.scale * (host.outlier ? 10 : 1);
  const n = (c: number) => Math.max(1, Math.round(c * scale * (0.8 + 0.4 * r())));
  const from = t.localUser;
  const to = host.user;
  const absent = host.absentApps;
  let execs = w.execs
    .filter((e) => !absent.has(e.path) && !absent.has(e.parentPath))
    .map((e) => ({
      path: substitute(e.path, from, to),
      parentPath: substitute(e.parentPath, from, to),
      user: e.user === from ? to : e.user,
      count: n(e.count),
    }));
  let files = w.files
    .filter((f) => !absent.has(f.processPath))
    .map((f) => ({ path: substitute(f.path, from, to), op: f.op, processPath: substitute(f.processPath, from, to), count: n(f.count) }));
  let dropped = 0;
  if (host.outlier) {
    execs.push({ path: OUTLIER_EXEC, parentPath: '/usr/lib/systemd/systemd', user: 'root', count: Math.round((shape.windowMs / 100) * (0.8 + 0.4 * r())) });
    files.push({ path: OUTLIER_LOG, op: 'modify', processPath: OUTLIER_EXEC, count: Math.round((shape.windowMs / 50) * (0.8 + 0.4 * r())) });
    files.push({
      path: `/home/${to}/.cache/acme/state.db`,
      op: 'modify',
      processPath: OUTLIER_EXEC,
      count: Math.round((shape.windowMs / 200) * (0.8 + 0.4 * r())),
    });
    // A chatty host sometimes overruns its spool bound: reported, never silent.
    if (r() < 0.05) dropped = Math.round(1000 * r()) + 1;
  }
  if (shape.maxRows > 0 && execs.length + files.length > shape.maxRows) {
    const all = [...execs.map((x) => ({ k: 0 as const, x, c: x.count })), ...files.map((x) => ({ k: 1 as const, x, c: x.count }))];
    all.sort((a, b) => b.c - a.c);
    const kept = all.slice(0, shape.maxRows);
    execs = kept.filter((k) => k.k === 0).map((k) => k.x as (typeof execs)[number]);
    files = kept.filter((k) => k.k === 1).map((k) => k.x as (typeof files)[number]);
  }
  const events = Math.max(1, Math.round(w.events * scale));
  return {
    // Defaults for fields added to the contract later (e.g. host_cost), so the simulator keeps compiling.
    ...EMPTY_BATCH,
    hostId,
    sequence: seq,
    windowStartMs,
    windowEndMs: windowStartMs + shape.windowMs,
    source: w.source,
    events,
    skipped: w.skipped,
    dropped,
    execs,
    files,
    auditKeys: w.keys.map((k) => ({ name: k.name, count: n(k.count) })),
    syscalls: w.syscalls.map((s) => ({ name: s.name, count: n(s.count) })),
  };
}

const EMPTY_BATCH: CountBatch = CountBatch.fromPartial({});

export function batchRows(b: CountBatch): number {
  return b.execs.length + b.files.length + b.auditKeys.length + b.syscalls.length;
}
