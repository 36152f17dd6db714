import { createHash } from 'node:crypto';

/**
 * What a native console connector (Cisco Secure Endpoint, Intune, Jamf)
 * plans before it touches a console (issue 14 item 3). Pure: the hub reads
 * the console, asks this module what to do, applies it and reads back.
 *
 * An item is identified by its `key` (what it excludes: type, value, user)
 * and carries its `body`, the vendor's form of the approved item (an API v3
 * exclusion, an MDE exclusion entry...). Two items with one key and
 * different bodies are the same exclusion in two forms: the approved form
 * replaces the other one.
 */
export interface ConsoleItem<B = unknown> {
  key: string;
  body: B;
}

/** An item the console holds that this connector created, with the console's id of it. */
export interface OwnedConsoleItem<B = unknown> extends ConsoleItem<B> {
  consoleId: string;
}

export interface ConsolePlan<B = unknown> {
  /** Approved items the console does not hold in their approved form. */
  add: ConsoleItem<B>[];
  /** Owned items no longer approved, in another form than approved, or held twice. */
  remove: OwnedConsoleItem<B>[];
  /** Owned items already in their approved form. */
  unchanged: OwnedConsoleItem<B>[];
}

/** How an owned item differs from what the hub last applied: someone changed the console by hand. */
export interface ConsoleDrift<B = unknown> {
  key: string;
  consoleId: string;
  kind: 'removed' | 'changed' | 'added';
  /** What the hub applied (absent for 'added'). */
  applied?: B;
  /** What the console holds now (absent for 'removed'). */
  observed?: B;
}

/** The prefix that marks a console item as the hub's where the vendor has a name or description field. */
export const OWNERSHIP_PREFIX = 'fleettune:';

/** The ownership marker of an item key (`fleettune:<key>`), for a name or description the connector writes. */
export function ownershipMarker(key: string): string {
  return `${OWNERSHIP_PREFIX}${key}`;
}

/** The key an ownership marker names, or undefined when the text is not one of ours (a human-made item). */
export function keyOfMarker(text: unknown): string | undefined {
  if (typeof text !== 'string' || !text.startsWith(OWNERSHIP_PREFIX)) return undefined;
  const key = text.slice(OWNERSHIP_PREFIX.length).split(/\s/, 1)[0];
  return /^[0-9a-f]{16,64}$/.test(key) ? key : undefined;
}

/**
 * The key of an approved item: what it excludes (type, value, user), not how
 * (child-process scope is part of the body). Hex, so it fits any vendor's
 * name field after the prefix.
 */
export function consoleItemKey(item: { type: string; value: string; user?: string }): string {
  return createHash('sha256')
    .update(`${item.type}\u0000${item.value}\u0000${item.user ?? ''}`)
    .digest('hex')
    .slice(0, 24);
}

/** JSON with object keys sorted: two bodies are the same form exactly when their canonical JSON is equal. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

function sameBody(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * Desired (approved) items against the owned items the console holds: what
 * to add, what to remove, what to leave. Human-made items are not an input:
 * they can be neither removed nor changed. An owned item in another form
 * than approved (edited by hand, or approved since in another form) is
 * removed and the approved form added; an owned item held twice keeps one.
 * Desired items with one key twice keep the first (the set's rank order).
 */
export function planConsoleChanges<B>(desired: readonly ConsoleItem<B>[], observed: readonly OwnedConsoleItem<B>[]): ConsolePlan<B> {
  const want = new Map<string, ConsoleItem<B>>();
  for (const d of desired) if (!want.has(d.key)) want.set(d.key, d);
  const plan: ConsolePlan<B> = { add: [], remove: [], unchanged: [] };
  const kept = new Set<string>();
  for (const o of observed) {
    const d = want.get(o.key);
    if (d && !kept.has(o.key) && sameBody(d.body, o.body)) {
      kept.add(o.key);
      plan.unchanged.push(o);
    } else {
      plan.remove.push(o);
    }
  }
  for (const d of want.values()) if (!kept.has(d.key)) plan.add.push({ key: d.key, body: d.body });
  return plan;
}

/** True when the plan changes nothing: the console already holds exactly the approved items (as far as the hub owns them). */
export function planIsEmpty(plan: ConsolePlan): boolean {
  return plan.add.length === 0 && plan.remove.length === 0;
}

/**
 * Owned items that differ from what the hub last applied (`ledger`): removed
 * or changed by hand, or carrying our marker without being in the ledger
 * ('added': copied by hand, or left by an apply whose result was lost).
 */
export function consoleDrift<B>(observed: readonly OwnedConsoleItem<B>[], ledger: readonly OwnedConsoleItem<B>[]): ConsoleDrift<B>[] {
  const seen = new Map<string, OwnedConsoleItem<B>>();
  for (const o of observed) seen.set(o.consoleId, o);
  const known = new Set<string>();
  const drift: ConsoleDrift<B>[] = [];
  for (const l of ledger) {
    known.add(l.consoleId);
    const o = seen.get(l.consoleId);
    if (!o) drift.push({ key: l.key, consoleId: l.consoleId, kind: 'removed', applied: l.body });
    else if (!sameBody(o.body, l.body)) drift.push({ key: l.key, consoleId: l.consoleId, kind: 'changed', applied: l.body, observed: o.body });
  }
  for (const o of observed) if (!known.has(o.consoleId)) drift.push({ key: o.key, consoleId: o.consoleId, kind: 'added', observed: o.body });
  return drift;
}

/**
 * The owned items after a plan was applied in full: the unchanged ones and
 * the added ones with the ids the console gave them.
 */
export function ledgerAfter<B>(plan: ConsolePlan<B>, added: readonly OwnedConsoleItem<B>[]): OwnedConsoleItem<B>[] {
  return [...plan.unchanged, ...added];
}
