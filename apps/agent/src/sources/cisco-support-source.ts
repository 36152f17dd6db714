import * as fs from 'node:fs';
import type { ObservedEvent } from '@fleettune/counting';
import {
  AmpDaemonLogReader,
  AmpDaemonLogStats,
  CiscoScanCountListParser,
  CiscoScanListKind,
  ciscoListKindFromName,
  extractSupportFiles,
  isZip,
  LineSplitter,
  parseDsclUsers,
  ProcessNode,
} from '@fleettune/cisco';
import type { EventSource } from './event-source';
import { inputNameOf, mergeReasons, SourceDetails, SourceReadResultWithDetails } from './source-details';
import { countedOnceNotes, countOnce, HeldListRow, LIST_ASSUMED_SPAN_MS, listStampSpan, stampOverSpan } from './cisco-support-counted-once';

/** The order a directory's files are read in (for directory-input.ts, which loads this file only for a package). */
export { orderSupportFiles } from '@fleettune/cisco';

/**
 * Marks where one file of a multi-file input (a Support Tool directory or
 * zip) starts: `\0FLEETTUNE-FILE {"name":…,"mtimeMs":…}`. NUL never starts a
 * line of these text files, so the marker cannot be mistaken for data.
 */
export const FILE_MARKER = '\u0000FLEETTUNE-FILE ';

export function fileMarker(name: string, mtimeMs?: number): Buffer {
  return Buffer.from(FILE_MARKER + JSON.stringify({ name, mtimeMs }) + '\n', 'utf8');
}

type Part = 'unknown' | 'log' | 'list' | 'dscl';

/** Env var naming a `dscl . list /Users UniqueID` output file, for uid -> user name. */
export const DSCL_USERS_ENV = 'FLEETTUNE_DSCL_USERS';

const SYSLOG_START = /^(?:[A-Z][a-z]{2}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})/;
const MAX_CHAINS = 10_000;
/** Largest Support Tool zip read into memory. */
const MAX_ZIP_BYTES = 1 << 30;

/**
 * How `run` treats a cisco-support input: `log` (ampdaemon.log: followed as it
 * grows) or `snapshot` (execs.txt / fileops.txt, a support directory or zip:
 * read once, counted once). Told from the first non-blank line, as `report` does.
 */
export function ciscoSupportRunMode(input: string): 'log' | 'snapshot' {
  const st = fs.statSync(input);
  if (st.isDirectory()) return 'snapshot';
  const fd = fs.openSync(input, 'r');
  try {
    const head = Buffer.alloc(64 << 10);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    if (isZip(head.subarray(0, n))) return 'snapshot';
    const first = head
      .subarray(0, n)
      .toString('latin1')
      .split('\n')
      .find((l) => l.trim() !== '');
    if (first === undefined) return 'log'; // empty yet: a log about to be written
    return first.includes('Daemon Rx:') || SYSLOG_START.test(first) ? 'log' : 'snapshot';
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Cisco Secure Endpoint Support Tool outputs: `execs.txt` / `fileops.txt`
 * (scan-count lists; which one from the file name, default execs) and
 * `ampdaemon.log` (`Daemon Rx:` lines, told apart by content). A directory
 * (an unpacked support package) is read file by file (see directory-input.ts),
 * and so is a Support Tool zip (stored/deflated entries, nested syslog.tar).
 */
export const ciscoSupportSource: EventSource = {
  name: 'cisco-support',
  description: 'Cisco Secure Endpoint Support Tool execs.txt / fileops.txt and ampdaemon.log',
  async read(chunks, onEvent, options = {}): Promise<SourceReadResultWithDetails> {
    const now = Date.now();
    const inputName = inputNameOf(chunks);
    let referenceMs: number | undefined;
    if (inputName) {
      try {
        referenceMs = fs.statSync(inputName).mtimeMs; // no line of a log is newer than the file
      } catch {
        referenceMs = undefined;
      }
    }
    let users = new Map<number, string>();
    const usersFile = process.env[DSCL_USERS_ENV];
    const notes: string[] = [];
    if (usersFile) {
      try {
        users = parseDsclUsers(fs.readFileSync(usersFile, 'utf8')).byUid;
      } catch (err) {
        notes.push(`cannot read ${DSCL_USERS_ENV}=${usersFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; uids kept as numbers`);
      }
    }

    const reasons: Array<Partial<Record<string, number>>> = [];
    let skipped = 0;
    let events = 0;
    let first: number | undefined;
    let last: number | undefined;
    const listRows: Record<CiscoScanListKind, number> = { execs: 0, fileops: 0 };
    const chains = new Map<string, number>();
    // Paths only (no pids), so the same ancestry of different runs adds up.
    const chainText = (c: ProcessNode[]) => c.map((n) => (n.path ? n.path.split('/').pop() : n.pid === 1 ? 'launchd/init' : '?')).join(' <- ');
    const logStats: AmpDaemonLogStats[] = [];
    // Rows of execs.txt / fileops.txt, and the log's events while a list of the same package may make them redundant.
    const heldLists: HeldListRow[] = [];
    let heldLog: ObservedEvent[] | undefined;
    let logEmitted = false;
    const logTotals: Record<CiscoScanListKind, number> = { execs: 0, fileops: 0 };

    // The current part of the input and its parser.
    let name = inputName;
    let fileMtime = referenceMs;
    let part: Part = 'unknown';
    let list: CiscoScanCountListParser | undefined;
    let log: AmpDaemonLogReader | undefined;
    let dsclText: string[] = [];
    const messages: string[] = [];

    const endPart = () => {
      if (list) {
        const s = list.end();
        skipped += s.skipped;
        reasons.push(s.skippedReasons);
        messages.push(...s.messages.slice(0, 3).map((m) => `${name ?? 'input'}: ${m}`));
        if (s.orientation.countFirst && s.orientation.pathFirst) notes.push(`${name ?? 'input'}: mixed "count path" and "path count" lines`);
      }
      if (log) {
        const s = log.end();
        logStats.push(s);
        skipped += s.skipped;
        reasons.push(s.skippedReasons);
        messages.push(...s.messages.slice(0, 3).map((m) => `${name ?? 'input'}: ${m}`));
        if (s.firstTimestampMs !== undefined) first = first === undefined ? s.firstTimestampMs : Math.min(first, s.firstTimestampMs);
        if (s.lastTimestampMs !== undefined) last = last === undefined ? s.lastTimestampMs : Math.max(last, s.lastTimestampMs);
      }
      if (part === 'dscl') for (const [k, v] of parseDsclUsers(dsclText.join('\n')).byUid) if (!users.has(k)) users.set(k, v);
      list = undefined;
      log = undefined;
      dsclText = [];
      part = 'unknown';
    };

    const startPart = (line: string) => {
      if (name && /dscl|users/i.test(name.split('/').pop()!) && !/Daemon Rx:/.test(line)) {
        part = 'dscl';
        return;
      }
      if (line.includes('Daemon Rx:') || SYSLOG_START.test(line)) {
        part = 'log';
        // A list came first (a package): hold the log's events until it is known which one counts.
        if (heldLists.length > 0 && !logEmitted) heldLog ??= [];
        log = new AmpDaemonLogReader(
          (e) => {
            logTotals[e.exec ? 'execs' : 'fileops']++;
            if (heldLog) heldLog.push(e);
            else {
              logEmitted = true;
              onEvent(e);
              events++;
            }
          },
          {
            referenceMs: fileMtime,
            users,
            onSkip: options.onSkip,
            onExecChain: (rx, chain) => {
              const key = `${rx.path}\u0000${chainText(chain)}`;
              if (chains.has(key) || chains.size < MAX_CHAINS) chains.set(key, (chains.get(key) ?? 0) + 1);
            },
          },
        );
        return;
      }
      part = 'list';
      const kind = ciscoListKindFromName(name) ?? 'execs';
      if (!ciscoListKindFromName(name)) notes.push(`${name ?? 'stdin'}: a scan-count list whose name says neither execs nor fileops; read as execs.txt`);
      const listFile = { name, mtimeMs: fileMtime };
      list = new CiscoScanCountListParser(
        (r) => {
          // Held to the end: whether a list counts depends on the log of the same package (counted once).
          heldLists.push({ kind: r.kind, path: r.path, count: r.count, file: listFile });
          listRows[r.kind] += r.count;
        },
        { kind, onSkip: options.onSkip },
      );
    };

    let tooLong = 0;
    const NL = Buffer.from('\n');
    const splitter = new LineSplitter(
      (line) => {
        if (line.length > FILE_MARKER.length && line[0] === 0 && line.subarray(0, FILE_MARKER.length).toString('latin1') === FILE_MARKER) {
          endPart();
          try {
            const m = JSON.parse(line.subarray(FILE_MARKER.length).toString('utf8')) as { name?: string; mtimeMs?: number };
            name = m.name;
            fileMtime = m.mtimeMs;
          } catch {
            name = undefined;
          }
          return;
        }
        if (line.length === 0) return; // blank lines carry nothing in any of these files
        if (part === 'unknown') {
          if (/^\s*$/.test(line.toString('latin1'))) return;
          startPart(line.toString('latin1'));
        }
        if (part === 'dscl') dsclText.push(line.toString('utf8'));
        else {
          const p = (log ?? list)!;
          p.push(line);
          p.push(NL);
        }
      },
      () => {
        tooLong++;
        options.onSkip?.('line-too-long');
      },
    );
    // A Support Tool zip is read whole (its directory is at the end), then file by file.
    let zipParts: Buffer[] | undefined;
    let zipBytes = 0;
    let firstChunk = true;
    for await (const chunk of chunks) {
      options.onBytes?.(chunk.length);
      if (firstChunk && chunk.length > 0) {
        firstChunk = false;
        if (isZip(chunk)) zipParts = [];
      }
      if (!zipParts) splitter.push(chunk);
      else if (zipBytes + chunk.length <= MAX_ZIP_BYTES) {
        zipParts.push(chunk);
        zipBytes += chunk.length;
      } else if (zipBytes <= MAX_ZIP_BYTES) {
        zipBytes = MAX_ZIP_BYTES + 1;
        zipParts = [];
      }
    }
    if (zipParts) {
      if (zipBytes > MAX_ZIP_BYTES) {
        skipped++;
        reasons.push({ 'archive-too-large': 1 });
        notes.push(`zip larger than ${MAX_ZIP_BYTES} bytes: not read; unzip it and pass the directory`);
      } else {
        const { files, problems } = extractSupportFiles(Buffer.concat(zipParts, zipBytes));
        for (const p of problems) {
          skipped++;
          options.onSkip?.('archive-entry');
          notes.push(p);
        }
        if (problems.length) reasons.push({ 'archive-entry': problems.length });
        if (files.length === 0) notes.push('the zip holds no execs.txt, fileops.txt or ampdaemon.log');
        for (const f of files) {
          splitter.push(fileMarker(f.name, referenceMs));
          splitter.push(f.data);
          splitter.push(Buffer.from('\n'));
        }
      }
    }
    splitter.end();
    endPart();
    const counted = countOnce(listRows, logTotals, logEmitted);
    for (const e of heldLog ?? []) {
      if (counted[e.exec ? 'execs' : 'fileops'] !== 'log') continue;
      onEvent(e);
      events++;
    }
    const logSpan = first !== undefined && last !== undefined ? { first, last } : undefined;
    let listSpan: { first: number; last: number } | undefined;
    for (const r of heldLists) {
      if (counted[r.kind] !== 'list') continue;
      const span = logSpan ?? listStampSpan(r.file.mtimeMs ?? referenceMs ?? now);
      stampOverSpan(onEvent, r, span);
      events += r.count;
      listSpan = span;
    }
    notes.push(...countedOnceNotes(listRows, logTotals, counted, logSpan !== undefined));
    if (tooLong) {
      skipped += tooLong;
      reasons.push({ 'line-too-long': tooLong });
    }

    const chainRows = [...chains].map(([k, n]) => [n, ...k.split('\u0000')] as [number, string, string]).sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? -1 : 1));
    const rxTotal = logStats.reduce((a, s) => a + s.rx, 0);
    if (rxTotal) notes.push(`${rxTotal} Daemon Rx lines; Cisco's rule of thumb: exclude apps that exec children more than once a second`);
    if (listRows.execs || listRows.fileops)
      notes.push(`scan-count lists: ${listRows.execs} exec scans, ${listRows.fileops} file-op scans (the lists carry no time span)`);
    notes.push(...messages.slice(0, 8));
    const details: SourceDetails = {
      notes,
      sections: chainRows.length
        ? [
            {
              title: 'Exec parent chains (ampdaemon.log, PP: up to PP:1)',
              columns: ['count', 'executable', 'chain'],
              numeric: [true, false, false],
              rows: chainRows.slice(0, 1000),
            },
          ]
        : [],
      data: {
        listScans: listRows,
        daemonRxLines: rxTotal,
        countedFrom: counted,
        usersMapped: users.size,
        chains: chainRows.slice(0, 1000).map(([count, path, chain]) => ({ count, path, chain })),
      },
    };
    // Lists stamped over the log's span share its time; lists alone have only an assumed span: no rates from it.
    const timed = listSpan === undefined || logSpan !== undefined;
    if (!timed)
      notes.push(
        `rates left out: the scan-count lists carry no time span (stamped over the ${LIST_ASSUMED_SPAN_MS / 60_000} minutes before the list file was written)`,
      );
    return {
      events,
      skipped,
      skippedReasons: mergeReasons(...reasons),
      firstTimestampMs: timed ? first : undefined,
      lastTimestampMs: timed ? last : undefined,
      details,
    };
  },
};
