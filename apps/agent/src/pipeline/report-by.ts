import * as path from 'node:path';
import type { ObservedEvent } from '@fleettune/counting';

/** `report --by` dimensions. */
export const REPORT_BY_DIMENSIONS = ['path', 'parent', 'user', 'key', 'syscall', 'extension', 'process', 'initiator'] as const;
export type ReportByDimension = (typeof REPORT_BY_DIMENSIONS)[number];

const DESCRIPTION: Record<ReportByDimension, string> = {
  path: 'Paths (executions + file operations per path)',
  parent: 'Parents (executions they started)',
  user: 'Users (executions)',
  key: 'Audit keys',
  syscall: 'Syscalls',
  extension: 'File extensions (file operations)',
  process: 'Processes (file operations per initiating process)',
  initiator: 'Initiators (events by the program that caused them, as aureport -x)',
};

export interface ReportByRow {
  key: string;
  count: number;
  /** count / time span of the input; null when the span is 0. */
  perSecond: number | null;
  /** What makes up the count: ops for paths/extensions/processes, top children for parents, top executables for users. */
  detail: Record<string, number>;
}

export interface ReportBy {
  dimension: ReportByDimension;
  title: string;
  /** Distinct keys in the input (rows are the top N of them). */
  distinct: number;
  rows: ReportByRow[];
}

const DETAIL_ROWS = 5;

/** Extension of a path as the tuning guides list it: lower case, without the dot; '(none)'. */
export function extensionOf(p: string): string {
  const ext = path.posix.extname(p);
  return ext.length > 1 ? ext.slice(1).toLowerCase() : '(none)';
}

/** Counts events along one `report --by` dimension, with a breakdown per row. */
export class ReportByCounter {
  private readonly counts = new Map<string, number>();
  private readonly details = new Map<string, Map<string, number>>();

  constructor(readonly dimension: ReportByDimension) {}

  add(e: ObservedEvent): void {
    switch (this.dimension) {
      case 'path':
        if (e.exec) this.bump(e.exec.path, 'exec');
        for (const f of e.files) this.bump(f.path, f.op);
        break;
      case 'parent':
        if (e.exec) this.bump(e.exec.parentPath || '?', e.exec.path);
        break;
      case 'user':
        if (e.exec) this.bump(e.exec.user || '?', e.exec.path);
        break;
      case 'key':
        for (const k of e.keys) this.bump(k);
        break;
      case 'syscall':
        if (e.syscall) this.bump(e.syscall);
        break;
      case 'extension':
        for (const f of e.files) this.bump(extensionOf(f.path), f.op);
        break;
      case 'process':
        for (const f of e.files) this.bump(f.processPath || '?', f.op);
        break;
      case 'initiator':
        // Every event that names its program, syscall or user-space record (detail: by syscall, or 'user-space').
        if (e.initiator !== undefined) this.bump(e.initiator, e.syscall ?? 'user-space');
        break;
    }
  }

  build(top: number, durationSeconds: number): ReportBy {
    const rows = [...this.counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, top)
      .map(([key, count]) => ({
        key,
        count,
        perSecond: durationSeconds > 0 ? Math.round((count / durationSeconds) * 1000) / 1000 : null,
        detail: Object.fromEntries(
          [...(this.details.get(key) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, DETAIL_ROWS),
        ),
      }));
    return { dimension: this.dimension, title: DESCRIPTION[this.dimension], distinct: this.counts.size, rows };
  }

  private bump(key: string, detail?: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (detail === undefined) return;
    let d = this.details.get(key);
    if (!d) this.details.set(key, (d = new Map()));
    d.set(detail, (d.get(detail) ?? 0) + 1);
  }
}

function rate(r: number | null): string {
  if (r === null) return '-';
  return r >= 100 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(3);
}

/** The `--by` section as text (count, rate per second, breakdown, key). */
export function formatReportBy(by: ReportBy): string {
  const head = ['count', 'per sec', 'detail', by.dimension];
  const rows = by.rows.map((r) => [
    String(r.count),
    rate(r.perSecond),
    Object.entries(r.detail)
      .map(([k, n]) => `${k}:${n}`)
      .join(' '),
    r.key,
  ]);
  const title = `${by.title} (top ${by.rows.length} of ${by.distinct})`;
  const out = ['', title, '='.repeat(title.length)];
  if (rows.length === 0) return out.concat('<no events of interest were found>').join('\n') + '\n';
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 2 ? Math.min(r[i].length, 60) : r[i].length))));
  const fmt = (c: string[]) =>
    [c[0].padStart(w[0]), c[1].padStart(w[1]), (c[2].length > 60 ? c[2].slice(0, 57) + '...' : c[2]).padEnd(w[2]), c[3]].join('  ').trimEnd();
  out.push(fmt(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(fmt));
  return out.join('\n') + '\n';
}
