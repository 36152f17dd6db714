import type { ObservedEvent } from '@fleettune/counting';
import type { CiscoScanListKind } from '@fleettune/cisco';
import { emitRepeated } from './source-details';

/**
 * One Support Tool package describes the same debug period twice: execs.txt /
 * fileops.txt (scan counts) and ampdaemon.log (one `Daemon Rx:` line per
 * scan). Adding both counts every scan twice (999 hits shown as 1,998), so
 * per kind (execs, file ops) one of them counts:
 *  - the log, when it holds at least as many scans of that kind as the list
 *    (it describes the same span, and it carries time, parent and user);
 *  - the list, when the log holds fewer (rotated, or not at Debug level the
 *    whole time: partial), and the log's lines of that kind are left out;
 *  - whichever exists, when only one does.
 * Once the log's events were streamed (it came before the list), the log counts.
 */
export type CountedFrom = 'log' | 'list' | 'none';

export interface HeldListRow {
  kind: CiscoScanListKind;
  path: string;
  count: number;
  file: { name?: string; mtimeMs?: number };
}

export function countOnce(
  listTotals: Record<CiscoScanListKind, number>,
  logTotals: Record<CiscoScanListKind, number>,
  logAlreadyEmitted: boolean,
): Record<CiscoScanListKind, CountedFrom> {
  const pick = (k: CiscoScanListKind): CountedFrom => {
    if (listTotals[k] === 0) return logTotals[k] > 0 ? 'log' : 'none';
    if (logTotals[k] === 0) return 'list';
    return logAlreadyEmitted || logTotals[k] >= listTotals[k] ? 'log' : 'list';
  };
  return { execs: pick('execs'), fileops: pick('fileops') };
}

const LIST_FILE: Record<CiscoScanListKind, string> = { execs: 'execs.txt', fileops: 'fileops.txt' };

/** What the output says about the choice (only where both were present). */
export function countedOnceNotes(
  listTotals: Record<CiscoScanListKind, number>,
  logTotals: Record<CiscoScanListKind, number>,
  counted: Record<CiscoScanListKind, CountedFrom>,
  logHasSpan: boolean,
): string[] {
  const notes: string[] = [];
  for (const k of ['execs', 'fileops'] as const) {
    if (listTotals[k] === 0 || logTotals[k] === 0) {
      if (counted[k] === 'list')
        notes.push(`${k} counted from ${LIST_FILE[k]} (${listTotals[k]} scans)${logHasSpan ? ', stamped over the ampdaemon.log span' : ''}`);
      continue;
    }
    notes.push(
      counted[k] === 'log'
        ? `${k} counted once, from ampdaemon.log (${logTotals[k]} Daemon Rx lines); ${LIST_FILE[k]} (${listTotals[k]} scans) describes the same debug period and is left out`
        : `${k} counted once, from ${LIST_FILE[k]} (${listTotals[k]} scans); ampdaemon.log holds only ${logTotals[k]} of them (partial log) and its ${k} lines are left out`,
    );
  }
  return notes;
}

/**
 * The span a list is stamped over when no log of the package gives one: the
 * 20 minutes before the list file was written. Cisco's guide: run the
 * connector in Debug mode "for a 15-20 minute period, and then run the
 * Support Tool" (seeds/cisco-secure-endpoint-mac-tuning.txt).
 */
export const LIST_ASSUMED_SPAN_MS = 20 * 60_000;

export function listStampSpan(writtenAtMs: number): { first: number; last: number } {
  return { first: writtenAtMs - LIST_ASSUMED_SPAN_MS, last: writtenAtMs };
}

/** A list row's scans spread evenly over the span, one weighted event per minute slice. */
export function stampOverSpan(onEvent: (e: ObservedEvent) => void, r: HeldListRow, span: { first: number; last: number }): void {
  const width = Math.max(0, span.last - span.first);
  const slices = Math.max(1, Math.min(r.count, Math.ceil(width / 60_000)));
  const base = Math.floor(r.count / slices);
  const rem = r.count % slices;
  for (let i = 0; i < slices; i++) {
    const n = base + (i < rem ? 1 : 0);
    const timestampMs = Math.min(span.last, Math.round(span.first + ((i + 0.5) * width) / slices));
    const e: ObservedEvent =
      r.kind === 'execs'
        ? { timestampMs, exec: { path: r.path, parentPath: '', user: '' }, files: [], keys: [] }
        : { timestampMs, files: [{ path: r.path, op: 'other', processPath: '' }], keys: [] };
    emitRepeated(onEvent, e, n);
  }
}
