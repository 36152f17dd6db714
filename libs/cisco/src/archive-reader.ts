import * as zlib from 'node:zlib';

export interface ArchiveEntry {
  name: string;
  data?: Buffer;
  /** Why the entry could not be read (encrypted, zip64, unknown method, corrupt). */
  error?: string;
}

/** Largest entry inflated (a support package's logs are far smaller). */
export const MAX_ENTRY_BYTES = 512 << 20;

export const isZip = (b: Buffer) => b.length >= 4 && b.readUInt32LE(0) === 0x04034b50;
export const isGzip = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
export const isTar = (b: Buffer) => b.length >= 512 && b.toString('latin1', 257, 262) === 'ustar';

/**
 * Lists a zip archive from its central directory and reads entries that are
 * stored (method 0) or deflated (method 8) — what the Support Tool's zip and
 * macOS's Archive Utility write. Zip64 and encryption are reported per entry
 * (or for the whole archive), never thrown. `want` selects entries by name.
 */
export function readZip(buf: Buffer, want: (name: string) => boolean = () => true): { entries: ArchiveEntry[]; error?: string } {
  // End of central directory: 22 bytes + a comment of up to 64 KiB, at the end.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return { entries: [], error: 'not a complete zip archive (no end of central directory; cut short?)' };
  const count = buf.readUInt16LE(eocd + 10);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff) return { entries: [], error: 'zip64 archives are not supported' };
  const entries: ArchiveEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) return { entries, error: 'corrupt zip central directory' };
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/') || !want(name)) continue;
    if (flags & 1) {
      entries.push({ name, error: 'encrypted' });
      continue;
    }
    if (csize === 0xffffffff || usize === 0xffffffff || local === 0xffffffff) {
      entries.push({ name, error: 'zip64 entry not supported' });
      continue;
    }
    if (usize > MAX_ENTRY_BYTES) {
      entries.push({ name, error: `larger than ${MAX_ENTRY_BYTES} bytes` });
      continue;
    }
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) {
      entries.push({ name, error: 'corrupt local header' });
      continue;
    }
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + csize);
    if (raw.length !== csize) {
      entries.push({ name, error: 'cut short' });
      continue;
    }
    try {
      if (method === 0) entries.push({ name, data: raw });
      else if (method === 8) entries.push({ name, data: zlib.inflateRawSync(raw, { maxOutputLength: MAX_ENTRY_BYTES }) });
      else entries.push({ name, error: `compression method ${method} not supported` });
    } catch (err) {
      entries.push({ name, error: `corrupt data (${(err as Error).message})` });
    }
  }
  return { entries };
}

/** Reads a (ustar / GNU) tar archive's regular files; gzip-compressed tars are inflated first. */
export function readTar(input: Buffer, want: (name: string) => boolean = () => true): { entries: ArchiveEntry[]; error?: string } {
  let buf = input;
  if (isGzip(buf)) {
    try {
      buf = zlib.gunzipSync(buf, { maxOutputLength: MAX_ENTRY_BYTES });
    } catch (err) {
      return { entries: [], error: `corrupt gzip (${(err as Error).message})` };
    }
  }
  const entries: ArchiveEntry[] = [];
  let p = 0;
  let longName: string | undefined;
  while (p + 512 <= buf.length) {
    const h = buf.subarray(p, p + 512);
    if (h.every((b) => b === 0)) break; // end of archive
    const field = (o: number, l: number) => {
      const s = h.toString('latin1', o, o + l);
      const z = s.indexOf('\0');
      return z < 0 ? s : s.slice(0, z);
    };
    const size = parseInt(field(124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) return { entries, error: 'corrupt tar header' };
    const type = field(156, 1) || '0';
    const prefix = h.toString('latin1', 257, 262) === 'ustar' ? field(345, 155) : '';
    let name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    const data = buf.subarray(p + 512, p + 512 + size);
    if (data.length < size) {
      entries.push({ name, error: 'cut short' });
      return { entries, error: 'tar archive cut short' };
    }
    if (type === 'L') longName = data.toString('utf8').replace(/\0+$/, '');
    else if ((type === '0' || type === '7') && want((name = Buffer.from(name, 'latin1').toString('utf8')))) entries.push({ name, data });
    p += 512 + Math.ceil(size / 512) * 512;
  }
  return { entries };
}

export type SupportFileRole = 'users' | 'list' | 'log';

/** What a Support Tool file is for, by its name; undefined for files fleettune does not read. */
export function supportFileRole(name: string): SupportFileRole | undefined {
  const base = name.split('/').pop()!.toLowerCase();
  if (/^(dscl|users).*\.txt$/.test(base)) return 'users';
  if (/^(execs|fileops)[^/]*\.txt$/.test(base)) return 'list';
  if (/^ampdaemon\.log(\.\d+)?$/.test(base)) return 'log';
  return undefined;
}

const rotation = (name: string) => {
  const m = /\.(\d+)$/.exec(name);
  return m ? Number(m[1]) : 0;
};

/** Users listings first, then the scan-count lists, then ampdaemon.log oldest rotation first. */
export function orderSupportFiles<T extends { name: string }>(files: T[]): T[] {
  const rank = { users: 0, list: 1, log: 2 } as const;
  return files
    .filter((f) => supportFileRole(f.name))
    .sort(
      (a, b) =>
        rank[supportFileRole(a.name)!] - rank[supportFileRole(b.name)!] ||
        rotation(b.name) - rotation(a.name) ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
}

/** Archives inside a support package worth opening (syslog.tar holds ampdaemon.log). */
export const isNestedArchiveName = (name: string) => /\.(zip|tar|tgz|tar\.gz)$/i.test(name);

/**
 * The Support Tool files of a support package zip, nested tar/zip archives
 * (e.g. syslog.tar) opened up to `depth` levels, in reading order. Problems
 * are returned as messages, never thrown.
 */
export function extractSupportFiles(zip: Buffer, depth = 2): { files: Array<{ name: string; data: Buffer }>; problems: string[] } {
  const files: Array<{ name: string; data: Buffer }> = [];
  const problems: string[] = [];
  const visit = (buf: Buffer, where: string, level: number) => {
    const want = (n: string) => supportFileRole(n) !== undefined || (level < depth && isNestedArchiveName(n));
    const r = isZip(buf) ? readZip(buf, want) : isTar(buf) || isGzip(buf) ? readTar(buf, want) : { entries: [], error: 'not a zip or tar archive' };
    if (r.error) problems.push(`${where}: ${r.error}`);
    for (const e of r.entries) {
      const name = `${where}!${e.name}`;
      if (e.error || !e.data) problems.push(`${name}: ${e.error ?? 'unreadable'}`);
      else if (supportFileRole(e.name)) files.push({ name, data: e.data });
      else visit(e.data, name, level + 1);
    }
  };
  visit(zip, 'zip', 0);
  return { files: orderSupportFiles(files), problems };
}
