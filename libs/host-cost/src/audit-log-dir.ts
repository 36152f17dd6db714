/** One file of the audit log directory (audit.log, audit.log.1, ...). */
export interface LogFileEntry {
  name: string;
  size: number;
  mtimeMs: number;
  /** Inode, when known (fs.stat, `ls -i`): makes rotation tracking exact. */
  inode?: number;
}

/**
 * Parses `ls -ln --time-style=+%s DIR` (optionally with -i): the audit log
 * directory as a support tool records it. Only regular files named like the
 * log (`audit.log`, `audit.log.N`) are kept unless `prefix` says otherwise.
 */
export function parseLogDirListing(text: string, prefix = 'audit.log'): LogFileEntry[] {
  const out: LogFileEntry[] = [];
  for (const line of text.split('\n')) {
    // [inode] mode links uid gid size epoch name
    const m = /^\s*(?:(\d+)\s+)?(-[rwxsStT-]{9}[.+@]?)\s+\d+\s+\S+\s+\S+\s+(\d+)\s+(\d+)\s+(.+)$/.exec(line);
    if (!m) continue;
    const name = m[5];
    if (!isLogName(name, prefix)) continue;
    out.push({ name, size: Number(m[3]), mtimeMs: Number(m[4]) * 1000, inode: m[1] !== undefined ? Number(m[1]) : undefined });
  }
  return out;
}

export function isLogName(name: string, prefix = 'audit.log'): boolean {
  return name === prefix || (name.startsWith(`${prefix}.`) && /^\d+$/.test(name.slice(prefix.length + 1)));
}

export interface LogGrowth {
  /** Bytes written between the snapshots (as far as the files still present show). */
  bytes: number;
  /** Rotations between the snapshots. */
  rotations: number;
}

/**
 * Growth of the audit log between two snapshots of its directory.
 * With inodes: a rotation renames audit.log (same inode) and creates a new
 * one, so every inode not seen before is one rotation, and bytes are each
 * file's size minus what it had before. Without inodes (a plain listing):
 * files whose size and mtime are unchanged are old rotated files; of the
 * others, the oldest continues the old audit.log and the rest are new.
 * Files rotated away and deleted between two snapshots are not seen: sample
 * more often than the log rotates.
 */
export function logGrowth(before: readonly LogFileEntry[], after: readonly LogFileEntry[], current = 'audit.log'): LogGrowth {
  const prevCurrent = before.find((f) => f.name === current);
  const withInodes = before.every((f) => f.inode !== undefined) && after.every((f) => f.inode !== undefined);
  if (withInodes) {
    const prev = new Map(before.map((f) => [f.inode!, f.size]));
    let bytes = 0;
    let rotations = 0;
    for (const f of after) {
      const was = prev.get(f.inode!);
      if (was === undefined) {
        rotations++;
        bytes += f.size;
      } else bytes += Math.max(0, f.size - was);
    }
    // A first snapshot with no log yet: the new audit.log is not a rotation.
    if (!prevCurrent && rotations > 0) rotations--;
    return { bytes, rotations };
  }
  const unchanged = (f: LogFileEntry) => before.some((b) => b.name !== current && b.size === f.size && b.mtimeMs === f.mtimeMs);
  const changed = after.filter(
    (f) => !unchanged(f) && !(f.name === current && prevCurrent && f.size === prevCurrent.size && f.mtimeMs === prevCurrent.mtimeMs),
  );
  if (changed.length === 0) return { bytes: 0, rotations: 0 };
  changed.sort((a, b) => a.mtimeMs - b.mtimeMs || b.name.localeCompare(a.name));
  let bytes = 0;
  changed.forEach((f, i) => {
    bytes += i === 0 && prevCurrent ? Math.max(0, f.size - prevCurrent.size) : f.size;
  });
  return { bytes, rotations: prevCurrent ? changed.length - 1 : Math.max(0, changed.length - 1) };
}
