import { CountTable, ObservedEvent } from '@fleettune/counting';
import type { SourceReadResult } from '../sources/event-source';

export interface NamedCount {
  count: number;
}
export interface ExecReportRow {
  path: string;
  count: number;
  parents: Array<{ path: string; count: number }>;
  users: Array<{ user: string; count: number }>;
  /** The program file's format on this host, from its magic bytes (report only; see executable-format.ts). */
  format?: string;
}
export interface FileReportRow {
  path: string;
  count: number;
  ops: Record<string, number>;
}
export interface ActivityReport {
  source: string;
  events: number;
  skipped: number;
  skippedReasons: Record<string, number>;
  execs: ExecReportRow[];
  files: FileReportRow[];
  keys: Array<{ key: string; count: number }>;
  syscalls: Array<{ syscall: string; count: number }>;
  /**
   * Events by the program that caused them (audit exe=, syscall or user-space
   * record): `aureport -x --summary`. Sources without the notion leave it empty.
   */
  initiators: Array<{ initiator: string; count: number }>;
  /** Time span of the events in the input (last - first), 0 when under two events. */
  durationSeconds: number;
}

/** How many parents / users are listed per executable. */
const DETAIL_ROWS = 5;

const byCountThenName = (a: [string, number], b: [string, number]) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** (name, count) pairs of a one-column table, sorted by count desc then name. */
function ranked(table: CountTable<[string]>, top: number): Array<[string, number]> {
  const rows: Array<[string, number]> = [];
  for (const [[k], n] of table.entries()) rows.push([k, n]);
  return rows.sort(byCountThenName).slice(0, top);
}

/** Groups a two-column table by its first column: first -> [(second, count)] sorted. */
function grouped(table: CountTable<[string, string]>): Map<string, Array<[string, number]>> {
  const out = new Map<string, Array<[string, number]>>();
  for (const [[a, b], n] of table.entries()) {
    let l = out.get(a);
    if (!l) out.set(a, (l = []));
    l.push([b, n]);
  }
  for (const l of out.values()) l.sort(byCountThenName);
  return out;
}

/**
 * Counts ObservedEvents the way the vendors' per-host reports do: execs by
 * executable (with top parents and users), files by path (with ops), audit
 * keys and syscalls by name, events by initiating program; every event
 * counts once in `events`.
 */
export class ActivityReportCounter {
  private readonly execs = new CountTable<[string]>();
  private readonly execParents = new CountTable<[string, string]>();
  private readonly execUsers = new CountTable<[string, string]>();
  private readonly files = new CountTable<[string]>();
  private readonly fileOps = new CountTable<[string, string]>();
  private readonly keys = new CountTable<[string]>();
  private readonly syscalls = new CountTable<[string]>();
  private readonly initiators = new CountTable<[string]>();

  add(e: ObservedEvent): void {
    const w = e.weight ?? 1;
    if (e.exec) {
      this.execs.add([e.exec.path], w);
      this.execParents.add([e.exec.path, e.exec.parentPath], w);
      this.execUsers.add([e.exec.path, e.exec.user], w);
    }
    for (const f of e.files) {
      this.files.add([f.path], w);
      this.fileOps.add([f.path, f.op], w);
    }
    for (const k of e.keys) this.keys.add([k], w);
    if (e.syscall) this.syscalls.add([e.syscall], w);
    if (e.initiator !== undefined) this.initiators.add([e.initiator], w);
  }

  build(source: string, read: SourceReadResult, top: number): ActivityReport {
    const parents = grouped(this.execParents);
    const users = grouped(this.execUsers);
    const ops = grouped(this.fileOps);
    const span = read.firstTimestampMs !== undefined && read.lastTimestampMs !== undefined ? (read.lastTimestampMs - read.firstTimestampMs) / 1000 : 0;
    return {
      source,
      events: read.events,
      skipped: read.skipped,
      skippedReasons: read.skippedReasons,
      execs: ranked(this.execs, top).map(([path, count]) => ({
        path,
        count,
        parents: (parents.get(path) ?? []).slice(0, DETAIL_ROWS).map(([p, n]) => ({ path: p, count: n })),
        users: (users.get(path) ?? []).slice(0, DETAIL_ROWS).map(([u, n]) => ({ user: u, count: n })),
      })),
      files: ranked(this.files, top).map(([path, count]) => ({
        path,
        count,
        ops: Object.fromEntries(ops.get(path) ?? []),
      })),
      keys: ranked(this.keys, top).map(([key, count]) => ({ key, count })),
      syscalls: ranked(this.syscalls, top).map(([syscall, count]) => ({ syscall, count })),
      initiators: ranked(this.initiators, top).map(([initiator, count]) => ({ initiator, count })),
      durationSeconds: Math.round(span * 1000) / 1000,
    };
  }
}
