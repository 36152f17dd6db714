/** One process as read from Linux `/proc/<pid>/stat` (see proc(5)). */
export interface ProcStat {
  pid: number;
  /** Executable name as the kernel keeps it (at most 15 bytes; may hold spaces and parentheses). */
  comm: string;
  state: string;
  ppid: number;
  /** User and system CPU time in clock ticks (`getconf CLK_TCK`, 100 on Linux). */
  utimeTicks: number;
  stimeTicks: number;
  /** CPU time of the children it has waited for (reaped `auditctl`, `ps`…), in clock ticks. */
  cutimeTicks: number;
  cstimeTicks: number;
  /** Start time in clock ticks after boot. */
  startTimeTicks: number;
  /** Resident set size in pages. */
  rssPages: number;
}

/**
 * Parses `/proc/<pid>/stat`. comm is between the first '(' and the LAST ')':
 * a comm such as `a) b (c` holds both, so splitting on spaces is wrong.
 * Returns undefined for text that is not a stat line.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); field n is rest[n - 3].
  if (!Number.isSafeInteger(pid) || rest.length < 22) return undefined;
  const f = (n: number) => Number(rest[n - 3]);
  const r: ProcStat = {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: f(4),
    utimeTicks: f(14),
    stimeTicks: f(15),
    cutimeTicks: f(16),
    cstimeTicks: f(17),
    startTimeTicks: f(22),
    rssPages: f(24),
  };
  for (const v of [r.ppid, r.utimeTicks, r.stimeTicks, r.cutimeTicks, r.cstimeTicks, r.startTimeTicks, r.rssPages]) if (!Number.isFinite(v)) return undefined;
  return r;
}

/** The fields of `/proc/<pid>/status` the cost sampler needs. */
export interface ProcStatus {
  name: string;
  pid?: number;
  /** Current resident set size, kB (absent for kernel threads). */
  vmRssKb?: number;
  /** Peak resident set size ("high water mark") over the process' life, kB. */
  vmHwmKb?: number;
}

/** Undoes the escaping of `Name:` in status (`\n` and `\\`). */
function unescapeName(s: string): string {
  return s.replace(/\\(n|\\)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** Parses `/proc/<pid>/status` ("Key:\tvalue" lines). */
export function parseProcStatus(text: string): ProcStatus | undefined {
  const out: ProcStatus = { name: '' };
  let sawName = false;
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const key = line.slice(0, i);
    const value = line.slice(i + 1).replace(/^\s+/, '');
    if (key === 'Name') {
      out.name = unescapeName(value);
      sawName = true;
    } else if (key === 'Pid') out.pid = Number(value);
    else if (key === 'VmRSS') out.vmRssKb = kb(value);
    else if (key === 'VmHWM') out.vmHwmKb = kb(value);
  }
  return sawName ? out : undefined;
}

function kb(v: string): number | undefined {
  const m = /^(\d+)\s*kB$/.exec(v.trim());
  return m ? Number(m[1]) : undefined;
}

/** Parses a ps TIME value: `[[DD-]HH:]MM:SS[.frac]` (Linux `00:01:02`, `1-02:03:04`; macOS `1:02.53`). */
export function parsePsTime(v: string): number | undefined {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(v.trim());
  if (!m) return undefined;
  const [, d, h, mi, s] = m;
  return (Number(d ?? 0) * 24 + Number(h ?? 0)) * 3600 + Number(mi) * 60 + Number(s);
}

/** One row of `ps -axo pid=,rss=[,cputimes=],time=,comm=` (Linux and macOS; macOS comm is the full path). */
export interface PsRow {
  pid: number;
  rssKb: number;
  cpuSeconds: number;
  comm: string;
}

/**
 * Parses `ps -axo pid=,rss=,time=,comm=` output, the macOS equivalent of
 * /proc (macOS has no procfs; `ps` reads proc_pidinfo). TIME on macOS has
 * centiseconds (`0:01.23`); Linux gives whole seconds. comm is the rest of
 * the line (it may contain spaces). Lines that do not parse are skipped.
 */
export function parsePsRows(text: string): { rows: PsRow[]; skipped: number } {
  const rows: PsRow[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    // An optional `cputimes` column (whole seconds, procps 4) may come before TIME.
    const m = /^\s*(\d+)\s+(\d+)\s+(?:\d+\s+)?(\S*:\S*)\s(.*)$/.exec(line);
    const cpu = m ? parsePsTime(m[3]) : undefined;
    if (!m || cpu === undefined) {
      skipped++;
      continue;
    }
    rows.push({ pid: Number(m[1]), rssKb: Number(m[2]), cpuSeconds: cpu, comm: m[4].trim() });
  }
  return { rows, skipped };
}
