import type { ObservedEvent } from '@fleettune/counting';
import {
  EbpfStatisticsParser,
  HotEventSourcesParser,
  hotEventSourcesKindFromName,
  MdatpRtpDelta,
  MdatpRtpDeltaTracker,
  MdatpRtpStatisticsParser,
  MdatpRtpSummarizer,
} from '@fleettune/mdatp';
import type { EventSource } from './event-source';
import { emitRepeated, inputNameOf, mergeReasons, SourceDetails, SourceReadResultWithDetails } from './source-details';

/** Most rows kept per detail section (the report shows --top of them). */
const DETAIL_ROWS = 1000;
const sec = (ns: number) => Math.round(ns / 1e6) / 1e3;
const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;

/** What a process with neither a name nor a path (Defender lists some) is counted as. */
export const MDATP_UNNAMED_PROCESS = '(unnamed process)';

/** One delta row as an exec-like event keyed by the process path (name where the path is null); weight it by filesScanned. */
export function mdatpRtpDeltaEvent(d: MdatpRtpDelta, timestampMs: number): ObservedEvent {
  return { timestampMs, exec: { path: d.path ?? d.name ?? MDATP_UNNAMED_PROCESS, parentPath: '', user: '', pid: d.pid }, files: [], keys: [] };
}

/**
 * `mdatp diagnostic real-time-protection-statistics --output json` (or its text
 * form). One poll: each process's files scanned since the daemon started, as
 * high_cpu_parser.py shows them. Several polls (appended to one file, or a
 * directory of poll files): the deltas after the first poll, with daemon
 * restarts detected (MdatpRtpDeltaTracker). Each file scanned is one exec-like
 * event keyed by the process path (name where the path is null).
 */
export const mdatpRtpSource: EventSource = {
  name: 'mdatp-rtp',
  description: 'Defender for Endpoint real-time-protection-statistics (JSON or text; successive polls -> deltas)',
  async read(chunks, onEvent, options = {}): Promise<SourceReadResultWithDetails> {
    const now = Date.now();
    const tracker = new MdatpRtpDeltaTracker();
    const summary = new MdatpRtpSummarizer();
    let polls = 0;
    let incomplete = 0;
    let restarts = 0;
    let events = 0;
    let firstPoll: { deltas: MdatpRtpDelta[]; timeMs?: number } | undefined;
    const times: number[] = [];
    const emit = (deltas: MdatpRtpDelta[], timeMs: number | undefined) => {
      for (const d of deltas) {
        summary.add(d);
        emitRepeated(onEvent, mdatpRtpDeltaEvent(d, timeMs ?? now), d.filesScanned);
        events += d.filesScanned;
      }
    };
    const parser = new MdatpRtpStatisticsParser(
      (poll) => {
        const r = tracker.add(poll);
        polls++;
        if (!poll.complete) incomplete++;
        if (r.daemonRestart) restarts++;
        if (poll.pollTimeMs !== undefined) times.push(poll.pollTimeMs);
        // The first poll's counters span an unknown time (since the daemon started):
        // kept back, and used only when it is the only poll.
        if (polls === 1) firstPoll = { deltas: r.deltas, timeMs: poll.pollTimeMs };
        else emit(r.deltas, poll.pollTimeMs);
      },
      { onSkip: options.onSkip },
    );
    for await (const chunk of chunks) {
      parser.push(chunk);
      options.onBytes?.(chunk.length);
    }
    const stats = parser.end();
    if (polls === 1 && firstPoll) emit(firstPoll.deltas, firstPoll.timeMs);
    const s = summary.build(DETAIL_ROWS);
    const notes: string[] = [
      polls <= 1
        ? `${polls} poll: files scanned per process since the Defender daemon started (as high_cpu_parser.py)`
        : `${polls} polls: files scanned per process between the first and the last poll (deltas)`,
      `total files scanned ${s.totalFilesScanned}, total scan time ${sec(s.totalScanTimeNs)} s`,
    ];
    if (restarts) notes.push(`daemon restart detected ${restarts} time(s): counters after it count whole, scans just before it are lost`);
    if (incomplete) notes.push(`${incomplete} poll(s) incomplete (cut short, or --top text output): their missing processes are unknown, not idle`);
    notes.push(...stats.messages.slice(0, 5));
    notes.push('Exclusions from this data belong in the antivirus (epp) scope.');
    const details: SourceDetails = {
      notes,
      sections: [
        {
          title: 'Processes by files scanned (high_cpu_parser.py)',
          columns: ['pid', 'name', 'files', 'scan s', 'max file ms', 'path'],
          numeric: [true, false, true, true, true, false],
          rows: s.processes.map((p) => [p.pid, p.name ?? 'None', p.filesScanned, sec(p.scanTimeNs), ms(p.maxFileScanTimeNs), p.path ?? 'None']),
        },
        {
          title: 'By process name (high_cpu_parser.py --group)',
          columns: ['files', 'scan s', 'pids', 'name', 'path'],
          numeric: [true, true, true, false, false],
          rows: s.byName.map((n) => [n.filesScanned, sec(n.scanTimeNs), n.pids, n.name, n.path ?? 'None']),
        },
      ],
      data: { polls, incompletePolls: incomplete, daemonRestarts: restarts, ...s },
    };
    const sorted = times.sort((a, b) => a - b);
    return {
      events,
      skipped: stats.skipped,
      skippedReasons: mergeReasons(stats.skippedReasons),
      firstTimestampMs: polls > 1 ? sorted[0] : undefined,
      lastTimestampMs: polls > 1 ? sorted[sorted.length - 1] : undefined,
      details,
    };
  },
};

/**
 * `mdatp diagnostic hot-event-sources files|executables`: console output or
 * the JSON report. File paths become file events (op `other`), executables
 * exec-like events, one per counted event.
 */
export const mdatpHotSourcesSource: EventSource = {
  name: 'mdatp-hot-sources',
  description: 'Defender for Endpoint hot-event-sources files|executables (console output or JSON report)',
  async read(chunks, onEvent, options = {}): Promise<SourceReadResultWithDetails> {
    const now = Date.now();
    const defaultKind = hotEventSourcesKindFromName(inputNameOf(chunks));
    let events = 0;
    let first: number | undefined;
    let last: number | undefined;
    const rows: Array<Array<string | number>> = [];
    const notes: string[] = [];
    const parser = new HotEventSourcesParser(
      (s, section) => {
        const t = section.endTimeMs ?? now;
        const e: ObservedEvent =
          s.kind === 'files'
            ? { timestampMs: t, files: [{ path: s.path, op: 'other', processPath: '' }], keys: [] }
            : { timestampMs: t, exec: { path: s.path, parentPath: '', user: '' }, files: [], keys: [] };
        emitRepeated(onEvent, e, s.count);
        events += s.count;
        if (rows.length < DETAIL_ROWS)
          rows.push([s.count, s.authCount ?? '', s.notifyCount ?? '', s.pidCount ?? '', s.kind, s.path + (s.deleted ? ' (deleted)' : '')]);
      },
      (section) => {
        const end = section.endTimeMs ?? now;
        const start = section.startTimeMs ?? (section.durationMs !== undefined ? end - section.durationMs : undefined);
        if (start !== undefined) {
          first = first === undefined ? start : Math.min(first, start);
          last = last === undefined ? end : Math.max(last, end);
        }
        notes.push(
          `${section.kind}${section.kindKnown ? '' : ' (kind not stated by the input; name the file …files… or …executables…)'}: ` +
            `total events ${section.totalEvents ?? '?'} over ${section.durationMs !== undefined ? section.durationMs / 1000 + ' s' : '?'} (${section.format}); only the listed top paths are counted`,
        );
      },
      { defaultKind, onSkip: options.onSkip },
    );
    for await (const chunk of chunks) {
      parser.push(chunk);
      options.onBytes?.(chunk.length);
    }
    const stats = parser.end();
    notes.push(...stats.messages.slice(0, 5));
    notes.push('Microsoft advises global (not epp) exclusions for hot event sources.');
    return {
      events,
      skipped: stats.skipped,
      skippedReasons: mergeReasons(stats.skippedReasons),
      firstTimestampMs: first,
      lastTimestampMs: last,
      details: {
        notes,
        sections: [
          { title: 'Hot event sources', columns: ['count', 'auth', 'notify', 'pids', 'kind', 'path'], numeric: [true, true, true, true, false, false], rows },
        ],
        data: { sections: stats.sections, sources: stats.sources },
      },
    };
  },
};

/**
 * `mdatp diagnostic ebpf-statistics` (a 20 s sample): initiator paths become
 * exec-like events keyed by the initiator, syscall ids syscall events (named
 * for x86_64, the arch Defender's eBPF sensor runs on by far most often).
 */
export const mdatpEbpfSource: EventSource = {
  name: 'mdatp-ebpf',
  description: 'Defender for Endpoint ebpf-statistics (top initiator paths and syscall ids)',
  async read(chunks, onEvent, options = {}): Promise<SourceReadResultWithDetails> {
    const now = Date.now();
    let initiators = 0;
    let syscalls = 0;
    const rows: Array<Array<string | number>> = [];
    const parser = new EbpfStatisticsParser(
      (r) => {
        if (r.section === 'initiators') {
          emitRepeated(onEvent, { timestampMs: now, exec: { path: r.path, parentPath: '', user: '' }, files: [], keys: [] } as ObservedEvent, r.count);
          initiators += r.count;
          rows.push([r.count, 'initiator', r.path]);
        } else {
          emitRepeated(onEvent, { timestampMs: now, files: [], keys: [], syscall: r.syscall } as ObservedEvent, r.count);
          syscalls += r.count;
          rows.push([r.count, 'syscall', `${r.syscall} (${r.number})`]);
        }
      },
      { onSkip: options.onSkip },
    );
    for await (const chunk of chunks) {
      parser.push(chunk);
      options.onBytes?.(chunk.length);
    }
    const stats = parser.end();
    return {
      // Both lists count the same sampled events from two sides: events are the syscalls listed.
      events: syscalls || initiators,
      skipped: stats.skipped,
      skippedReasons: mergeReasons(stats.skippedReasons),
      details: {
        notes: [
          `initiators listed: ${initiators} events; syscalls listed: ${syscalls} events (the same sampled events seen two ways; only the top entries are printed by mdatp)`,
          ...stats.messages.slice(0, 5),
          'Microsoft advises global process or path exclusions for eBPF hot spots.',
        ],
        sections: [{ title: 'eBPF statistics', columns: ['count', 'kind', 'what'], numeric: [true, false, false], rows: rows.slice(0, DETAIL_ROWS) }],
        data: { initiatorEvents: initiators, syscallEvents: syscalls },
      },
    };
  },
};
