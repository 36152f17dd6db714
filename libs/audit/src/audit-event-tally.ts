import type { ObservedEvent } from '@fleettune/counting';

/**
 * A multiset of ObservedEvents: each distinct event, as a string key, with how
 * many times it occurred. Workers of the parallel file reader send these to
 * the main thread instead of every event (counting is commutative, so the
 * order of events does not matter to any counter that consumes them).
 *
 * By default the key leaves out what per-host reports never look at
 * (timestamp, pid, ppid), so a log collapses to its distinct activity; with
 * `exact` every field is kept and the tally is the exact multiset of events
 * (what the exactness tests compare).
 */
export class AuditEventTally {
  /**
   * Events added one by one are grouped in a trie keyed by their fields
   * (strings the parser hands out again and again keep their hash, so a walk
   * costs far less than building and hashing one key string per event); the
   * key string is built once per distinct event, when `counts` is read.
   */
  private readonly root: TrieNode = new Map();
  private readonly leaves: TrieLeaf[] = [];
  private readonly keyed = new Map<string, number>();

  constructor(readonly exact = false) {}

  add(e: ObservedEvent): void {
    let node = step(this.root, e.syscall);
    const keys = e.keys;
    node = step(node, keys.length);
    for (let i = 0; i < keys.length; i++) node = step(node, keys[i]);
    const files = e.files;
    node = step(node, files.length);
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      node = step(step(step(node, f.path), f.op), f.processPath);
    }
    const x = e.exec;
    if (x === undefined) node = step(node, null);
    else {
      node = step(step(step(node, x.path), x.parentPath), x.user);
      if (this.exact) node = step(step(node, x.pid), x.ppid);
    }
    if (this.exact) node = step(node, e.timestampMs);
    node = step(node, e.initiator);
    node = step(node, e.weight);
    const leaf = node.get(LEAF) as TrieLeaf | undefined;
    if (leaf !== undefined) leaf.n++;
    else {
      const l: TrieLeaf = { event: e, n: 1 };
      node.set(LEAF, l);
      this.leaves.push(l);
    }
  }

  addKey(key: string, n: number): void {
    this.keyed.set(key, (this.keyed.get(key) ?? 0) + n);
  }

  merge(counts: Map<string, number>): void {
    for (const [k, n] of counts) this.addKey(k, n);
  }

  /** Each distinct event's key (eventTallyKey) with its count. */
  get counts(): Map<string, number> {
    const out = new Map(this.keyed);
    for (const l of this.leaves) {
      const k = eventTallyKey(l.event, this.exact);
      out.set(k, (out.get(k) ?? 0) + l.n);
    }
    return out;
  }

  /** Distinct events (timestampMs 0 unless exact) with their counts. */
  *events(): IterableIterator<[ObservedEvent, number]> {
    for (const [k, n] of this.counts) yield [eventOfTallyKey(k), n];
  }

  /** Total events counted. */
  get total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }
}

const LEAF = Symbol('leaf');
interface TrieLeaf {
  event: ObservedEvent;
  n: number;
}
type TrieNode = Map<unknown, TrieNode | TrieLeaf>;

function step(node: TrieNode, k: unknown): TrieNode {
  let next = node.get(k) as TrieNode | undefined;
  if (next === undefined) {
    next = new Map();
    node.set(k, next);
  }
  return next;
}

type ExecTuple = [path: string, parentPath: string, user: string, pid: number | null, ppid: number | null];
type TallyTuple = [
  files: ObservedEvent['files'],
  keys: string[],
  syscall: string | null,
  exec: ExecTuple | null,
  timestampMs: number | null,
  weight: number | null,
  initiator?: string | null,
];

const q = JSON.stringify;

function stringsJson(list: string[]): string {
  let s = '[';
  for (let i = 0; i < list.length; i++) s += (i === 0 ? '' : ',') + q(list[i]);
  return s + ']';
}

/**
 * The JSON text of a TallyTuple, written out by hand (JSON.stringify of the
 * nested arrays and objects costs about a microsecond per event, as much as
 * parsing one); `eventOfTallyKey` reads it back with JSON.parse.
 */
export function eventTallyKey(e: ObservedEvent, exact: boolean): string {
  let s = '[[';
  const files = e.files;
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    s += (i === 0 ? '{"path":' : ',{"path":') + q(f.path) + ',"op":' + q(f.op) + ',"processPath":' + q(f.processPath) + '}';
  }
  s += '],' + stringsJson(e.keys) + ',' + (e.syscall === undefined ? 'null' : q(e.syscall)) + ',';
  const x = e.exec;
  if (x === undefined) s += 'null';
  else {
    s += '[' + q(x.path) + ',' + q(x.parentPath) + ',' + q(x.user) + ',';
    s += exact && x.pid !== undefined ? String(x.pid) : 'null';
    s += ',' + (exact && x.ppid !== undefined ? String(x.ppid) : 'null') + ']';
  }
  s += ',' + (exact ? String(e.timestampMs) : 'null') + ',' + (e.weight === undefined ? 'null' : String(e.weight));
  // Left out when absent, so keys of events without one are as before.
  return e.initiator === undefined ? s + ']' : s + ',' + q(e.initiator) + ']';
}

export function eventOfTallyKey(key: string): ObservedEvent {
  const [files, keys, syscall, x, timestampMs, weight, initiator] = JSON.parse(key) as TallyTuple;
  const e: ObservedEvent = { timestampMs: timestampMs ?? 0, files, keys };
  if (syscall !== null) e.syscall = syscall;
  if (x !== null) {
    e.exec = { path: x[0], parentPath: x[1], user: x[2] };
    if (x[3] !== null) e.exec.pid = x[3];
    if (x[4] !== null) e.exec.ppid = x[4];
  }
  if (weight !== null) e.weight = weight;
  if (typeof initiator === 'string') e.initiator = initiator;
  return e;
}

/** The same key with the exec's parentPath replaced (a parent resolved after the fact). */
export function withTallyParent(key: string, parentPath: string, exact: boolean): string {
  const e = eventOfTallyKey(key);
  if (e.exec) e.exec.parentPath = parentPath;
  return eventTallyKey(e, exact);
}
