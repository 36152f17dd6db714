import type { CountBatch } from '@fleettune/proto';
import type { ObservedEvent } from '@fleettune/counting';
import type { UserPathRedactor } from '@fleettune/paths';
import { mergeRowsByKey } from '../spool/merge-rows-by-key';
import { mergeExecRows } from '../uplink/window-batch';

type BatchRows = Pick<CountBatch, 'execs' | 'files' | 'auditKeys' | 'syscalls' | 'usersRedacted'> & { initiators?: CountBatch['initiators'] };

/** Sums rows that became equal once redacted (`/home/alice/x` and `/home/bob/x` on one host). */
function summed<T extends { count: number }>(rows: readonly T[], key: (r: T) => string, merge = (a: T, b: T): T => ({ ...a, count: a.count + b.count })): T[] {
  return mergeRowsByKey(rows, key, merge);
}

/**
 * A batch as it may leave the host under --redact-users: every path field
 * (executable, parent, file, initiator, and so the CWD a relative PATH was
 * resolved against) without per-user parts, user fields as classes, audit
 * keys without people's names, and the flag the hub checks. Host cost and
 * agent status carry product, daemon and source names only, never a user's.
 * Counts are unchanged; rows that became equal are summed. Idempotent.
 */
export function redactBatch<T extends BatchRows>(b: T, r: UserPathRedactor): T {
  // Names first, so this window's own paths are hidden even where the account database did not list the person.
  for (const e of b.execs) r.learnUser(e.user);
  // Program formats stay (read before redaction) and merge like the counts: a script in either row stays one.
  const execs = summed(
    b.execs.map((e) => ({ ...e, path: r.redactPath(e.path), parentPath: r.redactPath(e.parentPath), user: r.userClass(e.user) })),
    (e) => JSON.stringify([e.path, e.parentPath, e.user]),
    mergeExecRows,
  );
  const files = summed(
    b.files.map((f) => ({ ...f, path: r.redactPath(f.path), processPath: r.redactPath(f.processPath) })),
    (f) => JSON.stringify([f.path, f.op, f.processPath]),
  );
  const auditKeys = summed(
    b.auditKeys.map((k) => ({ ...k, name: r.redactText(k.name) })),
    (k) => k.name,
  );
  // Initiators are programs (paths, or a name when the source gives no path).
  const initiators =
    b.initiators &&
    summed(
      b.initiators.map((k) => ({ ...k, name: r.redactText(k.name) })),
      (k) => k.name,
    );
  return { ...b, execs, files, auditKeys, syscalls: b.syscalls, ...(initiators ? { initiators } : {}), usersRedacted: true };
}

/** One event as `report --redact-users` counts it (the same rules as redactBatch). */
export function redactEvent(e: ObservedEvent, r: UserPathRedactor): ObservedEvent {
  if (e.exec) r.learnUser(e.exec.user);
  return {
    ...e,
    exec: e.exec && { ...e.exec, path: r.redactPath(e.exec.path), parentPath: r.redactPath(e.exec.parentPath), user: r.userClass(e.exec.user) },
    files: e.files.map((f) => ({ ...f, path: r.redactPath(f.path), processPath: r.redactPath(f.processPath) })),
    keys: e.keys.map((k) => r.redactText(k)),
    ...(e.initiator !== undefined ? { initiator: r.redactText(e.initiator) } : {}),
  };
}

/**
 * The last pass over a whole report (JSON value): every string, and every
 * object key, with the names learned anywhere in the input hidden. Events
 * are redacted as they are counted, but a person first named late in the
 * input (a directory user absent from the account database) may sit in
 * earlier rows and in source-specific sections; this catches those.
 */
export function redactReportValues(x: unknown, r: UserPathRedactor): unknown {
  if (typeof x === 'string') return x.startsWith('/') ? r.redactPath(x) : r.redactText(x);
  if (Array.isArray(x)) return x.map((v) => redactReportValues(v, r));
  if (x && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      const key = redactReportValues(k, r) as string;
      const value = redactReportValues(v, r);
      // Two keys that became one (counts by path): add numbers, keep the first otherwise.
      if (key in out && typeof out[key] === 'number' && typeof value === 'number') out[key] = (out[key] as number) + value;
      else if (!(key in out)) out[key] = value;
    }
    return out;
  }
  return x;
}
