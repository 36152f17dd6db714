import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where reading stands in a followed log, as saved in a checkpoint. */
export interface FilePosition {
  /** dev:ino of the file being read. */
  fileId: string;
  /** Bytes of that file already consumed. */
  offset: number;
  /** Hex of the file's first bytes (up to 64), to tell a reused inode from the same file. */
  head: string;
}

interface OpenFile {
  fd: number;
  fileId: string;
  head: string;
  offset: number;
  name: string;
}

const HEAD_BYTES = 64;

function fileIdOf(st: fs.Stats): string {
  return `${st.dev}:${st.ino}`;
}

function readHead(fd: number): string {
  const b = Buffer.alloc(HEAD_BYTES);
  const n = fs.readSync(fd, b, 0, HEAD_BYTES, 0);
  return b.subarray(0, n).toString('hex');
}

/** `audit.log.1`, `audit.log.2`, ... beside `file`, oldest (highest number) first. */
function rotatedSiblings(file: string): string[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(base + '.') && /^\d+$/.test(n.slice(base.length + 1)))
    .sort((a, b) => Number(b.slice(base.length + 1)) - Number(a.slice(base.length + 1)))
    .map((n) => path.join(dir, n));
}

export interface RotatingFileReaderEvents {
  /** Bytes read, in file order. */
  onData(chunk: Buffer): void;
  /** A file was read to its end and the next one (after rotation) follows. */
  onFileEnd(name: string): void;
  log(msg: string): void;
}

/**
 * Follows a log file by name across rotation (audit.log -> audit.log.1, a
 * new audit.log): it keeps the old file open, reads it to its very end, then
 * goes on with the new file from its start. On a restart from a saved
 * position in a file that has since been rotated (maybe several times), it
 * finds that file among audit.log.N by inode, finishes it, then reads the
 * younger rotated files and the current one. A truncated file (copytruncate)
 * is read again from its start.
 */
export class RotatingFileReader {
  /** Files to read in order; the last one is the file currently named `file`. */
  private files: OpenFile[] = [];
  private readonly buf: Buffer;
  /** Files read to their end and left (rotations followed). */
  filesFinished = 0;

  constructor(
    readonly file: string,
    private readonly events: RotatingFileReaderEvents,
    chunkBytes = 1 << 20,
  ) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  /**
   * Opens the file (and, when resuming, the rotated files still to finish).
   * `savedAtMs`: when `from` was saved; should that file be gone, only
   * rotated files written after it are read (older ones were read before).
   */
  start(from?: FilePosition, savedAtMs = 0): void {
    this.files = [];
    const current = this.tryOpen(this.file);
    if (from) {
      if (current && current.fileId === from.fileId && current.head.startsWith(from.head)) {
        current.offset = from.offset;
      } else {
        const chain = this.rotatedAfter(from, current?.fileId);
        if (chain.length === 0) {
          const all = this.rotatedAfter(undefined, current?.fileId).filter((f) => {
            const younger = fs.fstatSync(f.fd).mtimeMs >= savedAtMs;
            if (!younger) fs.closeSync(f.fd);
            return younger;
          });
          // Rotated out of existence: every rotated file left is younger than it.
          this.events.log(
            `${this.file}: the file read last (inode ${from.fileId}) is gone; what it held after offset ${from.offset} is lost; reading ${all.length} younger rotated file(s)`,
          );
          chain.push(...all);
        }
        this.files.push(...chain);
      }
    }
    if (current) this.files.push(current);
  }

  /** Position to save: in the oldest file not yet finished. */
  position(): FilePosition | undefined {
    const f = this.files[0];
    if (!f) return undefined;
    if (f.head.length < HEAD_BYTES * 2 && f.offset * 2 > f.head.length) f.head = readHead(f.fd);
    return { fileId: f.fileId, offset: f.offset, head: f.head };
  }

  /**
   * Opens the rotated files (audit.log.N) younger than `from`, oldest first,
   * `from` itself first with its offset. `from` undefined: all of them.
   * Returns [] when `from` is not among them. Skips the file `excludeId`.
   */
  private rotatedAfter(from: FilePosition | undefined, excludeId: string | undefined): OpenFile[] {
    const chain: OpenFile[] = [];
    let found = from === undefined;
    for (const name of rotatedSiblings(this.file)) {
      const f = this.tryOpen(name);
      if (!f) continue;
      if (f.fileId === excludeId) {
        fs.closeSync(f.fd);
        continue;
      }
      if (!found && from && f.fileId === from.fileId && f.head.startsWith(from.head)) {
        found = true;
        f.offset = from.offset;
      }
      if (found) chain.push(f);
      else fs.closeSync(f.fd);
    }
    return chain;
  }

  /**
   * Re-reads the file being read from its start up to its current offset,
   * handing the bytes to `onData` (to rebuild a parser's state after a
   * restart). Returns the bytes re-read.
   */
  replayPrefix(onData: (chunk: Buffer) => void): number {
    const f = this.files[0];
    if (!f) return 0;
    let at = 0;
    while (at < f.offset) {
      const n = fs.readSync(f.fd, this.buf, 0, Math.min(this.buf.length, f.offset - at), at);
      if (n <= 0) break;
      at += n;
      onData(this.buf.subarray(0, n));
    }
    return at;
  }

  /** Name of the file being read now (for messages). */
  get currentName(): string | undefined {
    return this.files[0]?.name;
  }

  /**
   * Reads what is available, at most about `maxBytes`, handling rotation.
   * Returns the number of bytes read (0 when nothing new).
   */
  read(maxBytes = Number.POSITIVE_INFINITY): number {
    let total = 0;
    for (;;) {
      if (this.files.length === 0) {
        const f = this.tryOpen(this.file);
        if (!f) return total;
        this.files.push(f);
      }
      const f = this.files[0];
      while (total < maxBytes) {
        const n = fs.readSync(f.fd, this.buf, 0, this.buf.length, f.offset);
        if (n <= 0) break;
        f.offset += n;
        total += n;
        this.events.onData(this.buf.subarray(0, n));
      }
      if (total >= maxBytes) return total;
      if (this.files.length > 1) {
        this.finish(f);
        continue;
      }
      // At the end of the newest file: has it been rotated or truncated?
      let st: fs.Stats;
      try {
        st = fs.statSync(this.file);
      } catch {
        return total; // between rename and re-create
      }
      if (fileIdOf(st) !== f.fileId) {
        const next = this.tryOpen(this.file);
        if (!next) return total;
        // Rotated maybe more than once since the last read: files between ours and the new one come first.
        const between = this.rotatedAfter({ fileId: f.fileId, offset: f.offset, head: '' }, next.fileId);
        if (between.length > 0) fs.closeSync(between.shift()!.fd); // that is our own file, open already
        this.files.push(...between, next);
        // The old file may have grown between our last read and the rename: the loop reads it to its end first.
        continue;
      }
      const size = fs.fstatSync(f.fd).size;
      if (size < f.offset) {
        this.events.log(`${this.file} was truncated (size ${size} < offset ${f.offset}); reading it again from the start`);
        this.events.onFileEnd(f.name);
        f.offset = 0;
        f.head = readHead(f.fd);
        continue;
      }
      if (f.head.length < HEAD_BYTES * 2 && f.offset > f.head.length / 2) f.head = readHead(f.fd);
      return total;
    }
  }

  close(): void {
    for (const f of this.files) fs.closeSync(f.fd);
    this.files = [];
  }

  private finish(f: OpenFile): void {
    this.events.onFileEnd(f.name);
    fs.closeSync(f.fd);
    this.files.shift();
    this.filesFinished++;
  }

  private tryOpen(name: string): OpenFile | undefined {
    let fd: number;
    try {
      fd = fs.openSync(name, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return { fd, fileId: fileIdOf(fs.fstatSync(fd)), head: readHead(fd), offset: 0, name };
  }
}
