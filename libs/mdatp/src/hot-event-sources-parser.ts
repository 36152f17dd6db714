import { isUtf8 } from 'node:buffer';
import { JsonDocumentScanner } from './json-document-scanner';
import { looseGet, parseWholeDocument, salvageArray, toCount } from './json-salvage';
import { SkipListenerOptions, SkipSummary, SkipTally } from '@fleettune/line-input';
import { MdatpSkipReason } from './mdatp-skip-reason';

export type HotEventSourcesKind = 'files' | 'executables';

/** One path of `mdatp diagnostic hot-event-sources files|executables`. */
export interface HotEventSource {
  kind: HotEventSourcesKind;
  path: string;
  /** Events (the console's count; authCount + notifyCount in the JSON report). */
  count: number;
  authCount?: number;
  notifyCount?: number;
  pidCount?: number;
  /** The console showed the path with ` (deleted)` (the binary was replaced); `path` is without it. */
  deleted?: boolean;
}

/** One invocation's header / report envelope. */
export interface HotEventSourcesSection {
  kind: HotEventSourcesKind;
  kindKnown: boolean;
  totalEvents?: number;
  /** Sampling window: the console's `Time: 12s`, or the report's startTime/endTime (µs). */
  durationMs?: number;
  startTimeMs?: number;
  endTimeMs?: number;
  format: 'console' | 'json';
}

export interface HotEventSourcesStats extends SkipSummary<MdatpSkipReason> {
  sections: number;
  sources: number;
}

export interface HotEventSourcesParserOptions extends SkipListenerOptions<MdatpSkipReason> {
  /** files / executables when the input does not say (e.g. from the report's file name). Default 'files'. */
  defaultKind?: HotEventSourcesKind;
}

const EVENT_SOURCE_KEY = /"event_?source"\s*:\s*\[/i;

/** Guesses files/executables from a file name such as `…executables_report.json`. */
export function hotEventSourcesKindFromName(name: string | undefined): HotEventSourcesKind | undefined {
  if (!name) return undefined;
  const base = name.split(/[\\/]/).pop()!.toLowerCase();
  if (/exec/.test(base)) return 'executables';
  if (/file/.test(base)) return 'files';
  return undefined;
}

/**
 * Parses `mdatp diagnostic hot-event-sources` console output (`count<TAB>path`
 * under `=== Top N Hot Event Sources ===`, kind from the `count  file path` /
 * `count  executable path` header or the `$ … hot-event-sources files` line)
 * and the JSON report it writes (`eventSource[]`, every value a string).
 */
export class HotEventSourcesParser {
  private readonly tally: SkipTally<MdatpSkipReason>;
  private readonly scanner: JsonDocumentScanner;
  private section: HotEventSourcesSection | undefined;
  private nextKind: HotEventSourcesKind | undefined;
  private sections = 0;
  private sources = 0;

  constructor(
    private readonly onSource: (s: HotEventSource, section: HotEventSourcesSection) => void,
    private readonly onSection: (section: HotEventSourcesSection) => void = () => undefined,
    private readonly options: HotEventSourcesParserOptions = {},
  ) {
    this.tally = new SkipTally(options.onSkip);
    this.scanner = new JsonDocumentScanner({
      onDocument: (d) => this.document(d.bytes, d.truncated, d.line),
      onTextLine: (l, n) => this.line(l, n),
      onTooLarge: (kind, line) => this.tally.add(kind === 'document' ? 'document-too-large' : 'line-too-long', `line ${line}: ${kind} too large, skipped`),
    });
  }

  push(chunk: Buffer): void {
    this.scanner.push(chunk);
  }

  end(): HotEventSourcesStats {
    this.scanner.end();
    return {
      sections: this.sections,
      sources: this.sources,
      ...this.tally.summary(),
    };
  }

  private newSection(s: Omit<HotEventSourcesSection, 'kind' | 'kindKnown'> & { kind?: HotEventSourcesKind }): HotEventSourcesSection {
    const kind = s.kind ?? this.nextKind;
    const sec: HotEventSourcesSection = {
      ...s,
      kind: kind ?? this.options.defaultKind ?? 'files',
      kindKnown: kind !== undefined || this.options.defaultKind !== undefined,
    };
    this.nextKind = undefined;
    this.sections++;
    this.onSection(sec);
    return sec;
  }

  private line(buf: Buffer, n: number): void {
    if (!isUtf8(buf)) {
      this.tally.add('invalid-utf8', `line ${n}: not UTF-8, skipped`);
      return;
    }
    const s = buf.toString('utf8');
    let m = /hot-event-sources\s+(files|executables)\b/.exec(s);
    if (m && !/^\d/.test(s.trim())) {
      this.nextKind = m[1] as HotEventSourcesKind;
      this.section = undefined;
      return;
    }
    m = /^\s*Total Events:\s*(\d+)\s+Time:\s*([\d.]+)\s*s/i.exec(s);
    if (m) {
      this.section = this.newSection({ totalEvents: Number(m[1]), durationMs: Math.round(Number(m[2]) * 1000), format: 'console' });
      return;
    }
    if (/^\s*=+\s*Top\s+\d+\s+Hot Event Sources\s*=+\s*$/i.test(s)) {
      if (!this.section) this.section = this.newSection({ format: 'console' });
      return;
    }
    m = /^\s*count\s+(file|executable)\s+path\s*$/i.exec(s);
    if (m) {
      if (!this.section) this.section = this.newSection({ format: 'console' });
      this.section.kind = m[1].toLowerCase() === 'file' ? 'files' : 'executables';
      this.section.kindKnown = true;
      return;
    }
    m = /^\s*(\d+)\s+(\S.*?)\s*$/.exec(s);
    if (m && this.section) {
      const count = toCount(m[1]);
      if (count === undefined) {
        this.tally.add('bad-row', `line ${n}: count out of range, skipped`);
        return;
      }
      let path = m[2];
      const deleted = path.endsWith(' (deleted)');
      if (deleted) path = path.slice(0, -' (deleted)'.length);
      this.sources++;
      this.onSource({ kind: this.section.kind, path, count, ...(deleted ? { deleted } : {}) }, this.section);
      return;
    }
    this.tally.add(this.section && /^\s*\d/.test(s) ? 'bad-row' : 'text-line', `line ${n}: not a hot-event-sources row, skipped`);
  }

  private document(bytes: Buffer, truncated: boolean, line: number): void {
    this.section = undefined;
    const text = bytes.toString('utf8');
    const whole = parseWholeDocument(text, truncated);
    const env = (o: Record<string, unknown>) => {
      const start = toCount(looseGet(o, 'startTime'));
      const end = toCount(looseGet(o, 'endTime'));
      const startTimeMs = start !== undefined ? Math.floor(start / 1000) : undefined;
      const endTimeMs = end !== undefined ? Math.floor(end / 1000) : undefined;
      return this.newSection({
        totalEvents: toCount(looseGet(o, 'totalEvent', 'totalEvents')),
        startTimeMs,
        endTimeMs,
        durationMs: startTimeMs !== undefined && endTimeMs !== undefined && endTimeMs >= startTimeMs ? endTimeMs - startTimeMs : undefined,
        format: 'json',
      });
    };
    let elements: unknown[];
    let sec: HotEventSourcesSection;
    if (whole) {
      const doc = whole.value;
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
        this.tally.add('no-counters', `line ${line}: JSON is not a hot-event-sources report, skipped`);
        return;
      }
      const list = looseGet(doc as Record<string, unknown>, 'eventSource', 'eventSources');
      if (!Array.isArray(list)) {
        this.tally.add('no-counters', `line ${line}: JSON has no "eventSource" array, skipped`);
        return;
      }
      sec = env(doc as Record<string, unknown>);
      elements = list;
    } else {
      const s = salvageArray(text, EVENT_SOURCE_KEY);
      if (!s.found) {
        this.tally.add(
          truncated ? 'truncated-json' : 'malformed-json',
          `line ${line}: JSON ${truncated ? 'ends midway' : 'does not parse'} before "eventSource", skipped`,
        );
        return;
      }
      elements = [];
      for (const el of s.elements) {
        try {
          elements.push(JSON.parse(el));
        } catch {
          this.tally.add('malformed-json', `line ${line}: an eventSource entry does not parse, skipped`);
        }
      }
      this.tally.add(s.cut || truncated ? 'truncated-json' : 'malformed-json', `line ${line}: JSON ends midway after ${elements.length} complete entries`);
      const head: Record<string, unknown> = {};
      for (const k of ['startTime', 'endTime', 'totalEvent']) {
        const m = new RegExp(`"${k}"\\s*:\\s*"?(\\d+)`).exec(text);
        if (m) head[k] = m[1];
      }
      sec = env(head);
    }
    for (const el of elements) {
      if (!el || typeof el !== 'object') {
        this.tally.add('bad-row', `line ${line}: an eventSource entry is not an object, skipped`);
        continue;
      }
      const o = el as Record<string, unknown>;
      const path = looseGet(o, 'path');
      const auth = toCount(looseGet(o, 'authCount'));
      const notify = toCount(looseGet(o, 'notifyCount'));
      const pids = toCount(looseGet(o, 'pidCount'));
      if (typeof path !== 'string' || path === '' || (auth === undefined && notify === undefined)) {
        this.tally.add('bad-row', `line ${line}: an eventSource entry has no path or counts, skipped`);
        continue;
      }
      if (path.includes('\ufffd') && !isUtf8(bytes)) {
        this.tally.add('invalid-utf8', `line ${line}: an eventSource path is not UTF-8, skipped`);
        continue;
      }
      this.sources++;
      this.onSource({ kind: sec.kind, path, count: (auth ?? 0) + (notify ?? 0), authCount: auth, notifyCount: notify, pidCount: pids }, sec);
    }
  }
}
