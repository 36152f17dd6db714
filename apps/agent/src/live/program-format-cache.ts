import type { ProgramFormat, WindowCounts } from '@fleettune/counting';
import { executableFormatOfFile } from '../report/executable-format';

export interface ProgramFormatCacheOptions {
  /** Paths remembered at most; the oldest reading is forgotten first. */
  maxEntries?: number;
  /** A reading older than this is taken again (a program replaced by an update). */
  maxAgeMs?: number;
  /** Reads a file's format (tests); default: its first 8 bytes, a regular file only. */
  readFormat?: (path: string) => ProgramFormat;
  now?: () => number;
}

/**
 * What each executed program file on this host is, read once per path from
 * its first bytes (issue 19 item 4: the hub must tell a `#!` script from a
 * Mach-O/ELF binary, since a process exclusion holds for a binary only).
 * Bounded: at most `maxEntries` paths, each reading kept `maxAgeMs`. Only
 * absolute paths are read, never more than 8 bytes, and only regular files
 * (no FIFO or device is opened for reading: executable-format.ts); a file that
 * cannot be read is `unreadable`, which the hub treats as unknown.
 */
export class ProgramFormatCache {
  private readonly entries = new Map<string, { format: ProgramFormat; atMs: number }>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly read: (path: string) => ProgramFormat;
  private readonly now: () => number;
  /** Files actually read (not answered from the cache). */
  reads = 0;

  constructor(o: ProgramFormatCacheOptions = {}) {
    this.maxEntries = Math.max(1, o.maxEntries ?? 8192);
    this.maxAgeMs = o.maxAgeMs ?? 10 * 60_000;
    this.read = o.readFormat ?? executableFormatOfFile;
    this.now = o.now ?? Date.now;
  }

  /** The format of the program at `path`; undefined for a path that is not absolute (nothing to read). */
  formatOf(path: string): ProgramFormat | undefined {
    if (!path.startsWith('/')) return undefined;
    const now = this.now();
    const hit = this.entries.get(path);
    if (hit && now - hit.atMs <= this.maxAgeMs) return hit.format;
    if (hit) this.entries.delete(path);
    const format = this.read(path);
    this.reads++;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(path, { format, atMs: now });
    return format;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The window with each exec row's format: what its source said (eslogger's
   * exec.script) wins over a reading of the file; rows the source said
   * nothing about get the file's reading. Counts are unchanged.
   */
  annotate(w: WindowCounts): WindowCounts {
    if (w.execs.every((r) => r.format !== undefined || !r.path.startsWith('/'))) return w;
    return {
      ...w,
      execs: w.execs.map((r) => {
        if (r.format !== undefined) return r;
        const format = this.formatOf(r.path);
        return format ? { ...r, format } : r;
      }),
    };
  }
}
