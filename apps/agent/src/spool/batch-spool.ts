import * as fs from 'node:fs';
import * as path from 'node:path';
import { CountBatch } from '@fleettune/proto';
import { readJsonFile, writeFileAtomic } from '../state/atomic-file';
import { DEFAULT_MERGE_LIMITS, MergeLimits, mayMerge, mergeBatches } from './batch-merge';
import { compactSpool } from './spool-compaction';
import { HEADER_BYTES, batchFrameBytes, batchFrameOf, batchOffsetInPayload, mergeFrame, parseHeader, parsePayload } from './spool-frames';

export const DEFAULT_SPOOL_MAX_MB = 256;
/** After a compaction the spool aims at this share of its bound, so the next appends do not compact again at once. */
const TARGET_SHARE = 0.8;
/** Compaction decodes this much of the spool at a time: its memory stays small whatever the bound. */
const DEFAULT_COMPACTION_CHUNK_BYTES = 2 * 1024 * 1024;

export interface SpoolStats {
  pending: number;
  ackedThrough: number;
  /** Highest sequence ever handed to the uplink (persisted before it is sent). */
  sentThrough: number;
  /** Bytes of the spool file now. */
  fileBytes: number;
  /** Bytes cut from the tail on open because a write had been torn by a crash. */
  tornBytesDropped: number;
  /** Since the spool was created: batches merged into coarser ones, batches and events dropped at the bound. */
  mergedBatches: number;
  droppedBatches: number;
  droppedEvents: number;
}

export interface BatchSpoolOptions {
  /** Size bound of the spool file; 0 = unbounded. */
  maxBytes?: number;
  limits?: MergeLimits;
  log?: (msg: string) => void;
  now?: () => number;
  /** How much of the spool one compaction step decodes at once (tests make it small). */
  compactionChunkBytes?: number;
}

/** acked.json: the spool's small persistent state besides its frames. */
interface SpoolMarks {
  ackedThrough: number;
  sentThrough?: number;
  mergedBatches?: number;
  droppedBatches?: number;
  droppedEvents?: number;
}

/**
 * What the spool keeps in memory per unacknowledged batch: enough to order,
 * coarsen and account for it, and where its encoded bytes are in the file.
 * The batches themselves stay on disk, so memory does not grow with the spool.
 */
interface Entry {
  sequence: number;
  source: string;
  hostId: string;
  windowStartMs: number;
  windowEndMs: number;
  /** File offset and length of the encoded CountBatch. */
  pos: number;
  len: number;
}

/** A batch during compaction: still in a file, or decoded in memory. */
type Slot = { e: Entry; fd: number } | { b: CountBatch };

/** The size bound from `--spool-max-mb` or FLEETTUNE_SPOOL_MAX_MB (MiB). */
export function spoolMaxBytes(mb: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const v = mb ?? (env.FLEETTUNE_SPOOL_MAX_MB !== undefined && env.FLEETTUNE_SPOOL_MAX_MB !== '' ? Number(env.FLEETTUNE_SPOOL_MAX_MB) : DEFAULT_SPOOL_MAX_MB);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`spool size bound must be a positive number of MB, got ${String(v)}`);
  return Math.floor(v * 1024 * 1024);
}

function entryOf(b: CountBatch, pos: number, len: number): Entry {
  return { sequence: b.sequence, source: b.source, hostId: b.hostId, windowStartMs: b.windowStartMs, windowEndMs: b.windowEndMs, pos, len };
}

/** Writes frames to a new file that replaces the spool only when complete (temp file, fsync, rename, fsync dir). */
class FrameFileWriter {
  readonly fd: number;
  bytes = 0;
  readonly entries: Entry[] = [];

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w+', 0o600);
    fs.fchmodSync(this.fd, 0o600);
  }

  add(b: CountBatch): void {
    this.addEncoded(b, CountBatch.encode(b).finish());
  }

  /** Appends a batch as its encoded bytes; `meta` says what it is. */
  addEncoded(meta: Omit<Entry, 'pos' | 'len'>, encoded: Uint8Array): void {
    const frame = batchFrameOf(encoded);
    fs.writeSync(this.fd, frame, 0, frame.length, this.bytes);
    const { sequence, source, hostId, windowStartMs, windowEndMs } = meta;
    this.entries.push({ sequence, source, hostId, windowStartMs, windowEndMs, pos: this.bytes + HEADER_BYTES, len: encoded.length });
    this.bytes += frame.length;
  }

  /** fsyncs; the file then holds every frame added. */
  finish(): void {
    fs.fsyncSync(this.fd);
  }

  discard(): void {
    fs.closeSync(this.fd);
    fs.rmSync(this.file, { force: true });
  }
}

/**
 * An append-only, fsynced file of CountBatch frames plus a persisted
 * "acked through" sequence. A batch is in the spool before it is sent and
 * leaves it only when the hub has acknowledged its commit, so a crash of the
 * agent, the hub or the network loses nothing; the hub's idempotency on
 * (host, sequence) absorbs the resends.
 *
 * Bounded: an append that would pass `maxBytes` first rewrites the file
 * (atomically) without the acknowledged frames, with never-sent windows
 * merged into coarser ones, and only if that is not enough with the oldest
 * never-sent batches reduced to drop records that report their events to
 * the hub as `dropped` (see compactSpool). A batch once handed to the
 * uplink (`markSent`) is never merged, dropped or renumbered: the hub may
 * have committed it with its ack lost. Only an index of the batches is kept
 * in memory, and compaction decodes a chunk at a time.
 *
 * Coarsening (`setCoarsenMs`, the watchdog's first degrade step): never-sent
 * windows of one source are held back until their coarse bucket is complete
 * and then merged into one batch, so the hub gets fewer, longer windows.
 */
export class BatchSpool {
  private readonly file: string;
  private readonly ackFile: string;
  private readonly maxBytes: number;
  private readonly limits: MergeLimits;
  private readonly log: (msg: string) => void;
  private readonly now: () => number;
  private readonly chunkBytes: number;
  /** Opened a+: appends go to the end, reads are positioned. */
  private fd: number;
  private pending: Entry[] = [];
  private marks: Required<SpoolMarks>;
  private lastSequence = 0;
  private fileBytes = 0;
  private tornBytesDropped = 0;
  private coarsenMs = 0;
  /**
   * When a compaction could not get under the bound (what is left was sent
   * and awaits its ack), the next one waits until the file has grown by a
   * tenth of the bound or an ack came, rather than rewriting it per append.
   */
  private retryCompactionAt = 0;
  /** When this process appended a batch (coarsening holds a batch at most coarsenMs after it). */
  private readonly appendedAt = new Map<number, number>();

  constructor(
    private readonly dir: string,
    options: BatchSpoolOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 0;
    this.limits = options.limits ?? DEFAULT_MERGE_LIMITS;
    this.log = options.log ?? (() => undefined);
    this.now = options.now ?? Date.now;
    this.chunkBytes = options.compactionChunkBytes ?? DEFAULT_COMPACTION_CHUNK_BYTES;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, 'batches.spool');
    this.ackFile = path.join(dir, 'acked.json');
    const saved = readJsonFile<SpoolMarks>(this.ackFile);
    const ackedThrough = saved?.ackedThrough ?? 0;
    this.lastSequence = ackedThrough;
    // A compaction cut short by a crash leaves its temp file; the spool itself is the old one, intact.
    for (const f of fs.readdirSync(dir)) if (/^\.batches\.spool\..+\.tmp$/.test(f)) fs.rmSync(path.join(dir, f), { force: true });
    this.fd = fs.openSync(this.file, 'a+', 0o600);
    this.recover(ackedThrough);
    this.marks = {
      ackedThrough,
      // An older agent did not record what it sent: assume it sent everything.
      sentThrough: Math.max(ackedThrough, saved?.sentThrough ?? this.lastSequence),
      mergedBatches: saved?.mergedBatches ?? 0,
      droppedBatches: saved?.droppedBatches ?? 0,
      droppedEvents: saved?.droppedEvents ?? 0,
    };
  }

  stats(): SpoolStats {
    const m = this.marks;
    return {
      pending: this.pending.length,
      ackedThrough: m.ackedThrough,
      sentThrough: m.sentThrough,
      fileBytes: this.fileBytes,
      tornBytesDropped: this.tornBytesDropped,
      mergedBatches: m.mergedBatches,
      droppedBatches: m.droppedBatches,
      droppedEvents: m.droppedEvents,
    };
  }

  /**
   * Unacknowledged batches, oldest first, read from disk: for tests and
   * diagnostics (`stats().pending` and `lastAppended()` are the cheap questions).
   */
  unacked(): CountBatch[] {
    return this.pending.map((e) => this.read(e));
  }

  /** The configured size bound in bytes (0 = unbounded), reported to the hub. */
  get boundBytes(): number {
    return this.maxBytes;
  }

  /** Highest sequence ever appended (acknowledged or not). */
  lastAppended(): number {
    return this.lastSequence;
  }

  /** Assigns the next sequence number and makes the batch durable. */
  append(batch: Omit<CountBatch, 'sequence'>): CountBatch {
    const full: CountBatch = { ...batch, sequence: this.lastSequence + 1 };
    const encoded = CountBatch.encode(full).finish();
    if (this.maxBytes > 0 && this.fileBytes + HEADER_BYTES + encoded.length > Math.max(this.maxBytes, this.retryCompactionAt)) {
      this.compactWith(full);
    } else {
      const frame = batchFrameOf(encoded);
      fs.writeSync(this.fd, frame);
      fs.fsyncSync(this.fd);
      this.pending.push(entryOf(full, this.fileBytes + HEADER_BYTES, encoded.length));
      this.fileBytes += frame.length;
    }
    this.lastSequence = full.sequence;
    this.appendedAt.set(full.sequence, this.now());
    return full;
  }

  /**
   * Records, durably and BEFORE the batches go on the wire, that every
   * batch up to `sequence` may have reached the hub.
   */
  markSent(sequence: number): void {
    if (sequence <= this.marks.sentThrough) return;
    this.marks.sentThrough = sequence;
    this.saveMarks();
  }

  ack(sequence: number): void {
    if (sequence <= this.marks.ackedThrough) return;
    this.marks.ackedThrough = sequence;
    this.marks.sentThrough = Math.max(this.marks.sentThrough, sequence);
    // Acks come in sequence order: what leaves is a prefix of the sorted pending list.
    const gone = this.pending.splice(0, this.firstAfter(sequence));
    for (const e of gone) this.appendedAt.delete(e.sequence);
    this.retryCompactionAt = 0;
    this.saveMarks();
    if (this.pending.length === 0) this.replaceFile(new FrameFileWriter(this.tempFile('empty')));
  }

  /** 0 = off; otherwise never-sent windows are sent merged into buckets of this length (see class comment). */
  setCoarsenMs(ms: number): void {
    this.coarsenMs = Math.max(0, Math.min(ms, this.limits.maxWindowMs));
  }

  /**
   * The next batch the uplink should send after `afterSeq` (sequence order),
   * or undefined when there is none or the next one is held for coarsening.
   * Batches above both `afterSeq` and sentThrough have not been sent.
   */
  nextToSend(afterSeq: number): CountBatch | undefined {
    for (;;) {
      const i = this.firstAfter(afterSeq);
      const b = this.pending[i];
      if (!b) return undefined;
      const floor = Math.max(afterSeq, this.marks.sentThrough);
      if (b.sequence <= floor || this.coarsenMs <= 0) return this.read(b);
      const c = this.coarsenMs;
      const bucketStart = Math.floor(b.windowStartMs / c) * c;
      const bucketEnd = bucketStart + c;
      if (b.windowEndMs > bucketEnd) return this.read(b); // already at least as coarse
      // Everything from i on is above floor (sorted), so never sent.
      const group: Entry[] = [];
      let laterWindow = false;
      for (let j = i; j < this.pending.length && !laterWindow; j++) {
        const x = this.pending[j];
        if (x.source !== b.source || x.hostId !== b.hostId) continue;
        if (x.windowStartMs >= bucketEnd) laterWindow = true;
        else if (x.windowStartMs >= bucketStart && x.windowEndMs <= bucketEnd) group.push(x);
      }
      const closed = laterWindow || group.some((x) => x.windowEndMs === bucketEnd) || this.now() - (this.appendedAt.get(b.sequence) ?? -Infinity) >= c;
      if (!closed) return undefined;
      if (group.length < 2) return this.read(b);
      const batches = group.map((x) => this.read(x));
      let merged = batches[0];
      for (const x of batches.slice(1)) {
        if (!mayMerge(merged, x, this.limits)) return this.read(b);
        merged = mergeBatches(merged, x, this.limits);
      }
      this.writeMerge(
        merged,
        group.map((x) => x.sequence),
      );
      // Loop: the merge took the group's highest sequence, so another batch may come first now.
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private read(e: Entry, fd = this.fd): CountBatch {
    return CountBatch.decode(this.readBytes(e, fd));
  }

  private readBytes(e: Entry, fd = this.fd): Buffer {
    const buf = Buffer.allocUnsafe(e.len);
    let off = 0;
    while (off < e.len) {
      const n = fs.readSync(fd, buf, off, e.len - off, e.pos + off);
      if (n === 0) throw new Error(`spool ${this.file} is shorter than its index (offset ${e.pos + off})`);
      off += n;
    }
    return buf;
  }

  private writeMerge(merged: CountBatch, supersedes: number[]): void {
    const frame = mergeFrame(merged, supersedes);
    fs.writeSync(this.fd, frame);
    fs.fsyncSync(this.fd);
    const len = frame.length - HEADER_BYTES - batchOffsetInPayload('merge', supersedes.length);
    const e = entryOf(merged, this.fileBytes + frame.length - len, len);
    this.fileBytes += frame.length;
    const gone = new Set(supersedes);
    this.pending = this.pending.filter((x) => !gone.has(x.sequence));
    this.pending.splice(this.firstAfter(e.sequence), 0, e);
    this.marks.mergedBatches += supersedes.length - 1;
  }

  /** Index of the first pending batch with a sequence above `seq` (binary search; pending is sorted). */
  private firstAfter(seq: number): number {
    let lo = 0;
    let hi = this.pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.pending[mid].sequence <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private tempFile(tag: string): string {
    return path.join(this.dir, `.batches.spool.${tag}.${process.pid}.tmp`);
  }

  /**
   * Rewrites the spool (acknowledged frames left out) with `incoming`
   * appended: merges first, over the whole never-sent part, and drops only
   * if merging could not bring it under the bound. Each pass streams from
   * one file to a new one a chunk at a time; the last one replaces the spool.
   */
  private compactWith(incoming: CountBatch): void {
    const target = Math.floor(this.maxBytes * TARGET_SHARE);
    const slots: Slot[] = [...this.pending.map((e) => ({ e, fd: this.fd })), { b: incoming }];
    const total = this.pending.reduce((s, e) => s + HEADER_BYTES + e.len, 0) + batchFrameBytes(incoming);
    const tally = { mergedAway: 0, droppedBatches: 0, droppedEvents: 0 };
    let w = this.compactionPass(slots, total, target, false, tally, 'merge');
    if (w.bytes > this.maxBytes) {
      const first = w;
      w.finish();
      w = this.compactionPass(
        first.entries.map((e) => ({ e, fd: first.fd })),
        first.bytes,
        target,
        true,
        tally,
        'drop',
      );
      first.discard();
    }
    this.replaceFile(w);
    this.marks.mergedBatches += tally.mergedAway;
    this.marks.droppedBatches += tally.droppedBatches;
    this.marks.droppedEvents += tally.droppedEvents;
    if (tally.mergedAway || tally.droppedBatches) this.saveMarks();
    this.retryCompactionAt = this.fileBytes > this.maxBytes ? this.fileBytes + Math.floor(this.maxBytes / 10) : 0;
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    if (tally.droppedBatches) {
      this.log(
        `spool bound ${mb(this.maxBytes)} MB reached: merged ${tally.mergedAway} windows, then dropped the rows of ${tally.droppedBatches} oldest batches ` +
          `(${tally.droppedEvents} events, reported to the hub as dropped); spool now ${mb(this.fileBytes)} MB`,
      );
    } else if (tally.mergedAway) {
      this.log(
        `spool bound ${mb(this.maxBytes)} MB reached: merged ${tally.mergedAway} windows into coarser ones, nothing dropped; spool now ${mb(this.fileBytes)} MB`,
      );
    }
    if (this.fileBytes > this.maxBytes) {
      this.log(`spool is ${mb(this.fileBytes)} MB, over its bound: the rest has been sent and waits for the hub's ack`);
    }
  }

  /**
   * One pass, oldest first: sent batches are copied as they are; never-sent
   * ones are decoded a chunk at a time and compacted (merge only, or merge
   * then drop) until the running total reaches `target`; the rest is copied.
   */
  private compactionPass(
    slots: Slot[],
    total: number,
    target: number,
    mayDrop: boolean,
    tally: { mergedAway: number; droppedBatches: number; droppedEvents: number },
    tag: string,
  ): FrameFileWriter {
    const w = new FrameFileWriter(this.tempFile(tag));
    let bytes = total;
    // Copied without decoding: the encoded bytes are moved as they are.
    const copy = (s: Slot) => ('b' in s ? w.add(s.b) : w.addEncoded(s.e, this.readBytes(s.e, s.fd)));
    let i = 0;
    for (; i < slots.length; i++) {
      const s = slots[i];
      if ('e' in s && s.e.sequence <= this.marks.sentThrough) copy(s);
      else break;
    }
    while (i < slots.length && bytes > target) {
      const chunk: CountBatch[] = [];
      let chunkBytes = 0;
      for (; i < slots.length && (chunk.length === 0 || chunkBytes < this.chunkBytes); i++) {
        const s = slots[i];
        const b = 'b' in s ? s.b : this.read(s.e, s.fd);
        chunk.push(b);
        chunkBytes += 'b' in s ? batchFrameBytes(b) : HEADER_BYTES + s.e.len;
      }
      const chunkTarget = Math.max(0, chunkBytes - (bytes - target));
      const r = compactSpool(chunk, { sentThrough: 0, targetBytes: chunkTarget, limitBytes: chunkTarget, mayDrop, limits: this.limits });
      for (const b of r.batches) w.add(b);
      bytes += r.bytes - chunkBytes;
      tally.mergedAway += r.mergedAway;
      tally.droppedBatches += r.droppedBatches;
      tally.droppedEvents += r.droppedEvents;
    }
    for (; i < slots.length; i++) copy(slots[i]);
    return w;
  }

  /** Makes the written file the spool (atomic rename) and its entries the index. */
  private replaceFile(w: FrameFileWriter): void {
    w.finish();
    fs.closeSync(w.fd);
    fs.renameSync(w.file, this.file);
    const dirFd = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a+', 0o600);
    this.fileBytes = w.bytes;
    this.pending = w.entries.sort((a, b) => a.sequence - b.sequence);
  }

  private saveMarks(): void {
    writeFileAtomic(this.ackFile, JSON.stringify(this.marks));
  }

  /** Reads the frames one at a time (memory stays small) and cuts a torn tail. */
  private recover(ackedThrough: number): void {
    const size = fs.fstatSync(this.fd).size;
    const bySeq = new Map<number, Entry>();
    const header = Buffer.alloc(HEADER_BYTES);
    let off = 0;
    while (off + HEADER_BYTES <= size) {
      fs.readSync(this.fd, header, 0, HEADER_BYTES, off);
      const h = parseHeader(header);
      if (!h || off + HEADER_BYTES + h.length > size) break;
      const payload = Buffer.allocUnsafe(h.length);
      fs.readSync(this.fd, payload, 0, h.length, off + HEADER_BYTES);
      const f = parsePayload(h.kind, payload, h.crc);
      if (!f) break;
      const skip = f.kind === 'merge' ? batchOffsetInPayload('merge', f.supersedes.length) : 0;
      if (f.kind === 'merge') for (const s of f.supersedes) bySeq.delete(s);
      this.lastSequence = Math.max(this.lastSequence, f.batch.sequence);
      if (f.batch.sequence > ackedThrough) bySeq.set(f.batch.sequence, entryOf(f.batch, off + HEADER_BYTES + skip, h.length - skip));
      off += HEADER_BYTES + h.length;
    }
    this.pending = [...bySeq.values()].sort((a, b) => a.sequence - b.sequence);
    this.fileBytes = off;
    if (off < size) {
      // Only a crash mid-append leaves bytes after the last good frame.
      this.tornBytesDropped = size - off;
      fs.ftruncateSync(this.fd, off);
      fs.fsyncSync(this.fd);
    }
  }
}
