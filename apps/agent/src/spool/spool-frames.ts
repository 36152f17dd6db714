import { crc32 } from 'node:zlib';
import { CountBatch } from '@fleettune/proto';

/** A batch appended to the spool. */
const BATCH_MAGIC = 0x46544231; // "FTB1"
/** A batch that replaces earlier, never-sent batches (they were merged into it). */
const MERGE_MAGIC = 0x46544d31; // "FTM1"
export const HEADER_BYTES = 12; // magic, payload length, crc32 of payload
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export type SpoolFrame = { kind: 'batch'; batch: CountBatch } | { kind: 'merge'; batch: CountBatch; supersedes: number[] };

function frame(magic: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(magic, 0);
  header.writeUInt32LE(payload.length, 4);
  header.writeUInt32LE(crc32(payload), 8);
  return Buffer.concat([header, payload]);
}

/** Bytes a batch takes in the spool as one frame. */
export function batchFrameBytes(batch: CountBatch): number {
  return HEADER_BYTES + CountBatch.encode(batch).finish().length;
}

/**
 * One frame both adds the merged batch and retires the batches it was made
 * of, so a crash leaves either all of them or the merge, never both.
 */
export function mergeFrame(batch: CountBatch, supersedes: readonly number[]): Buffer {
  const list = Buffer.alloc(4 + 8 * supersedes.length);
  list.writeUInt32LE(supersedes.length, 0);
  supersedes.forEach((s, i) => list.writeBigUInt64LE(BigInt(s), 4 + 8 * i));
  return frame(MERGE_MAGIC, Buffer.concat([list, Buffer.from(CountBatch.encode(batch).finish())]));
}

/** Where the CountBatch bytes start inside a frame's payload. */
export function batchOffsetInPayload(kind: SpoolFrame['kind'], supersedes = 0): number {
  return kind === 'batch' ? 0 : 4 + 8 * supersedes;
}

/** Frame header fields, or undefined when these 12 bytes cannot start a frame. */
export function parseHeader(header: Buffer): { kind: SpoolFrame['kind']; length: number; crc: number } | undefined {
  const magic = header.readUInt32LE(0);
  const length = header.readUInt32LE(4);
  if ((magic !== BATCH_MAGIC && magic !== MERGE_MAGIC) || length > MAX_FRAME_BYTES) return undefined;
  return { kind: magic === BATCH_MAGIC ? 'batch' : 'merge', length, crc: header.readUInt32LE(8) };
}

/** A frame's payload, checked against its CRC, as a frame; undefined when it does not check out. */
export function parsePayload(kind: SpoolFrame['kind'], payload: Buffer, crc: number): SpoolFrame | undefined {
  if (crc32(payload) !== crc) return undefined;
  try {
    if (kind === 'batch') return { kind, batch: CountBatch.decode(payload) };
    const n = payload.readUInt32LE(0);
    const supersedes = Array.from({ length: n }, (_, i) => Number(payload.readBigUInt64LE(4 + 8 * i)));
    return { kind, supersedes, batch: CountBatch.decode(payload.subarray(batchOffsetInPayload(kind, n))) };
  } catch {
    return undefined; // a CRC collision on garbage: treat like a torn frame
  }
}

/** A frame around already encoded CountBatch bytes. */
export function batchFrameOf(encoded: Uint8Array): Buffer {
  return frame(BATCH_MAGIC, Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength));
}
