import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { CountBatch } from '@fleettune/proto';
import { readJsonFile, writeFileAtomic } from '../state/atomic-file';

const MAGIC = 0x46544231; // "FTB1"
const HEADER_BYTES = 12; // magic, payload length, crc32 of payload
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export interface SpoolStats {
  pending: number;
  ackedThrough: number;
  /** Bytes cut from the tail on open because a write had been torn by a crash. */
  tornBytesDropped: number;
}

/**
 * An append-only, fsynced file of CountBatch frames plus a persisted
 * "acked through" sequence. A batch is in the spool before it is sent and
 * leaves it only when the hub has acknowledged its commit, so a crash of the
 * agent, the hub or the network loses nothing; the hub's idempotency on
 * (host, sequence) absorbs the resends.
 */
export class BatchSpool {
  private readonly file: string;
  private readonly ackFile: string;
  private fd: number;
  private pending: CountBatch[] = [];
  private ackedThrough = 0;
  private lastSequence = 0;
  private tornBytesDropped = 0;

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, 'batches.spool');
    this.ackFile = path.join(dir, 'acked.json');
    this.ackedThrough = readJsonFile<{ ackedThrough: number }>(this.ackFile)?.ackedThrough ?? 0;
    this.lastSequence = this.ackedThrough;
    this.recover();
    this.fd = fs.openSync(this.file, 'a', 0o600);
  }

  stats(): SpoolStats {
    return { pending: this.pending.length, ackedThrough: this.ackedThrough, tornBytesDropped: this.tornBytesDropped };
  }

  /** Unacknowledged batches, oldest first. */
  unacked(): readonly CountBatch[] {
    return this.pending;
  }

  /** Assigns the next sequence number and makes the batch durable. */
  append(batch: Omit<CountBatch, 'sequence'>): CountBatch {
    const full: CountBatch = { ...batch, sequence: this.lastSequence + 1 };
    const payload = Buffer.from(CountBatch.encode(full).finish());
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(payload.length, 4);
    header.writeUInt32LE(crc32(payload), 8);
    fs.writeSync(this.fd, Buffer.concat([header, payload]));
    fs.fsyncSync(this.fd);
    this.lastSequence = full.sequence;
    this.pending.push(full);
    return full;
  }

  ack(sequence: number): void {
    if (sequence <= this.ackedThrough) return;
    this.ackedThrough = sequence;
    this.pending = this.pending.filter((b) => b.sequence > sequence);
    writeFileAtomic(this.ackFile, JSON.stringify({ ackedThrough: this.ackedThrough }));
    if (this.pending.length === 0) this.compact();
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private compact(): void {
    fs.closeSync(this.fd);
    writeFileAtomic(this.file, Buffer.alloc(0));
    this.fd = fs.openSync(this.file, 'a', 0o600);
  }

  private recover(): void {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let off = 0;
    while (off + HEADER_BYTES <= buf.length) {
      const len = buf.readUInt32LE(off + 4);
      if (buf.readUInt32LE(off) !== MAGIC || len > MAX_FRAME_BYTES || off + HEADER_BYTES + len > buf.length) break;
      const payload = buf.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len);
      if (crc32(payload) !== buf.readUInt32LE(off + 8)) break;
      const batch = CountBatch.decode(payload);
      this.lastSequence = Math.max(this.lastSequence, batch.sequence);
      if (batch.sequence > this.ackedThrough) this.pending.push(batch);
      off += HEADER_BYTES + len;
    }
    if (off < buf.length) {
      // Only a crash mid-append leaves bytes after the last good frame.
      this.tornBytesDropped = buf.length - off;
      fs.truncateSync(this.file, off);
    }
  }
}
