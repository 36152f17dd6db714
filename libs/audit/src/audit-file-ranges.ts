import * as fs from 'node:fs';

/**
 * One piece of a log file for a parallel reader, all offsets at line starts.
 * A worker reads it with a reader that starts empty and takes a checkpoint at
 * each of `checkpoints` (ascending, the first one headBytes in, then at
 * doubling distances): the events the previous range left open may still get
 * records before a checkpoint, and the main thread takes the worker's counts
 * from the first checkpoint where their open events agree.
 */
export interface AuditFileRange {
  start: number;
  checkpoints: number[];
  end: number;
  /** The range that ends the file (its last line may lack a newline). */
  last: boolean;
}

const NEWLINE = 0x0a;

/** The first line start at or after `at` (just past a newline), or `size` when none follows. */
export function lineStartAtOrAfter(fd: number, at: number, size: number): number {
  if (at <= 0) return 0;
  if (at >= size) return size;
  const buf = Buffer.allocUnsafe(64 << 10);
  // Byte at-1 being a newline makes `at` itself a line start.
  let pos = at - 1;
  while (pos < size) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
    if (n <= 0) break;
    const i = buf.subarray(0, n).indexOf(NEWLINE);
    if (i >= 0) return pos + i + 1;
    pos += n;
  }
  return size;
}

/**
 * Splits a file of `size` bytes at the line starts at or after `cuts` (byte
 * offsets, any order; empty pieces dropped). Range 0 has one checkpoint at
 * its start: it starts where the log starts, with nothing open.
 */
export function planAuditFileRanges(fd: number, size: number, cuts: number[], headBytes: number): AuditFileRange[] {
  const bounds = new Set<number>([0, size]);
  for (const c of cuts) bounds.add(lineStartAtOrAfter(fd, Math.max(0, Math.min(size, Math.floor(c))), size));
  const sorted = [...bounds].sort((a, b) => a - b);
  const ranges: AuditFileRange[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const start = sorted[i];
    const end = sorted[i + 1];
    if (end <= start) continue;
    const checkpoints: number[] = [];
    if (start === 0) checkpoints.push(0);
    else {
      for (let d = Math.max(0, Math.floor(headBytes)); ; d = Math.max(1, 2 * d)) {
        const at = Math.min(end, lineStartAtOrAfter(fd, start + d, size));
        if (checkpoints.length === 0 || at > checkpoints[checkpoints.length - 1]) checkpoints.push(at);
        if (at >= end) break;
      }
    }
    ranges.push({ start, checkpoints, end, last: end === size });
  }
  return ranges;
}

/** `n` evenly spaced cut offsets for a file of `size` bytes. */
export function evenCuts(size: number, n: number): number[] {
  const cuts: number[] = [];
  for (let k = 1; k < n; k++) cuts.push(Math.floor((size * k) / n));
  return cuts;
}
