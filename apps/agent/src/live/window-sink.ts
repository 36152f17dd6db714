import type { WindowCounts } from '@fleettune/counting';
import type { UserPathRedactor } from '@fleettune/paths';
import { redactBatch } from '../privacy/batch-redaction';
import { BatchSpool } from '../spool/batch-spool';
import { windowToBatch } from '../uplink/window-batch';
import type { ProgramFormatCache } from './program-format-cache';

/**
 * Where complete windows go: an append-only sequence (the spool). The live
 * follower's exactly-once delivery relies on sequences being consecutive and
 * on `lastSequence()` surviving a crash (the spool's frames and acked.json).
 */
export interface WindowSink {
  /** Highest sequence ever appended (acknowledged or not); 0 when none. */
  lastSequence(): number;
  /** Appends durably; returns the sequence it got. */
  append(w: WindowCounts): number;
}

/** The hub refuses a whole batch with an empty exec/file path or a string over 4096 characters. */
const MAX_HUB_STRING = 4096;
export const UNKNOWN_PATH = '(unknown)';

const fit = (s: string, required: boolean) =>
  required && s.length === 0 ? UNKNOWN_PATH : s.length > MAX_HUB_STRING ? s.slice(0, MAX_HUB_STRING - 1) + '…' : s;

/**
 * A window as the hub accepts it: an empty path (a source that could not
 * name the program) becomes `(unknown)` and an over-long string is cut,
 * rather than the hub setting the whole window aside. Counts are unchanged.
 */
export function fitWindowForHub(w: WindowCounts): WindowCounts {
  const bad = (s: string, required: boolean) => (required && s.length === 0) || s.length > MAX_HUB_STRING;
  const needs =
    w.execs.some((r) => bad(r.path, true) || bad(r.parentPath, false) || bad(r.user, false)) ||
    w.files.some((r) => bad(r.path, true) || bad(r.processPath, false)) ||
    w.keys.some((r) => bad(r.name, true)) ||
    w.syscalls.some((r) => bad(r.name, true)) ||
    (w.initiators ?? []).some((r) => bad(r.name, true));
  if (!needs) return w;
  return {
    ...w,
    execs: w.execs.map((r) => ({ ...r, path: fit(r.path, true), parentPath: fit(r.parentPath, false), user: fit(r.user, false) })),
    files: w.files.map((r) => ({ ...r, path: fit(r.path, true), processPath: fit(r.processPath, false) })),
    keys: w.keys.map((r) => ({ ...r, name: fit(r.name, true) })),
    syscalls: w.syscalls.map((r) => ({ ...r, name: fit(r.name, true) })),
    ...(w.initiators ? { initiators: w.initiators.map((r) => ({ ...r, name: fit(r.name, true) })) } : {}),
  };
}

/** Rows and (estimated) bytes of one batch, well inside the hub's 50,000 rows and 4 MiB. */
export const MAX_BATCH_ROWS = 20_000;
export const MAX_BATCH_TEXT = 1 << 20;

/**
 * One window as the batches the hub accepts: a window with more rows than a
 * batch may hold (a busy host's fanotify window) is cut into parts of the
 * same window; the first carries events/skipped, the others only rows, so
 * the parts add up to the window. Deterministic, so that a restart cuts an
 * outbox window into the same parts (their sequences are counted on).
 * Characters are counted, not UTF-8 bytes: at most 3 MiB per part.
 */
export function hubParts(w: WindowCounts): WindowCounts[] {
  const size = (...xs: string[]) => xs.reduce((n, x) => n + x.length, 24);
  const initiators = w.initiators ?? [];
  const rows = w.execs.length + w.files.length + w.keys.length + w.syscalls.length + initiators.length;
  if (rows <= 1000 && w.execs.every((r) => r.path.length < 512) && w.files.every((r) => r.path.length < 512)) return [w]; // the usual window, at once
  const parts: WindowCounts[] = [];
  let cur: WindowCounts = { ...w, execs: [], files: [], keys: [], syscalls: [], initiators: [] };
  let n = 0;
  let text = 0;
  const room = (t: number) => {
    if (n > 0 && (n + 1 > MAX_BATCH_ROWS || text + t > MAX_BATCH_TEXT)) {
      parts.push(cur);
      cur = { ...w, events: 0, skipped: 0, execs: [], files: [], keys: [], syscalls: [], initiators: [] };
      n = 0;
      text = 0;
    }
    n++;
    text += t;
  };
  for (const r of w.execs) {
    room(size(r.path, r.parentPath, r.user));
    cur.execs.push(r);
  }
  for (const r of w.files) {
    room(size(r.path, r.op, r.processPath));
    cur.files.push(r);
  }
  for (const r of w.keys) {
    room(size(r.name));
    cur.keys.push(r);
  }
  for (const r of w.syscalls) {
    room(size(r.name));
    cur.syscalls.push(r);
  }
  for (const r of initiators) {
    room(size(r.name));
    cur.initiators!.push(r);
  }
  parts.push(cur);
  return parts;
}

/** The batches to append for these windows, in order: each window fitted for the hub and cut into parts. */
export function batchesOf(windows: readonly WindowCounts[]): WindowCounts[] {
  return windows.flatMap((w) => hubParts(fitWindowForHub(w)));
}

/**
 * Appends to the spool. With a redactor (--redact-users) each batch is
 * redacted here, before it is written: nothing per-user reaches the spool.
 * With `formats` (the agent counts this host's own activity) each executed
 * program's file format is read first, from the path as executed: redaction
 * may hide the user part of it afterwards, the format stays with the row.
 */
export function spoolSink(spool: BatchSpool, hostId: string, redactor?: UserPathRedactor, formats?: ProgramFormatCache): WindowSink {
  return {
    lastSequence() {
      return spool.lastAppended();
    },
    append(w) {
      const batch = windowToBatch(hostId, fitWindowForHub(formats ? formats.annotate(w) : w));
      return spool.append(redactor ? redactBatch(batch, redactor) : batch).sequence;
    },
  };
}
