/** One process's files scanned and scan time (a whole counter or the sum of its deltas). */
export interface MdatpRtpProcessRow {
  pid: number;
  name: string | null;
  path: string | null;
  filesScanned: number;
  scanTimeNs: number;
  maxFileScanTimeNs: number;
}

export interface MdatpRtpNameRow {
  /** Process name; 'None' where mdatp gave null (as high_cpu_parser.py prints it). */
  name: string;
  filesScanned: number;
  scanTimeNs: number;
  pids: number;
  /** The path of the last counter of that name (high_cpu_parser.py keeps the last one too). */
  path: string | null;
}

export interface MdatpRtpSummary {
  /** high_cpu_parser.py's default view: per pid, files scanned desc, zero counts left out. */
  processes: MdatpRtpProcessRow[];
  /** high_cpu_parser.py --group: per name, summed. */
  byName: MdatpRtpNameRow[];
  totalFilesScanned: number;
  totalScanTimeNs: number;
}

const cmp = (a: string | null, b: string | null) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0);

/**
 * Sums rows per (pid, path) and per name, the way high_cpu_parser.py ranks
 * them (files scanned, descending), keeping scan time beside the count.
 */
export class MdatpRtpSummarizer {
  private readonly byProcess = new Map<string, MdatpRtpProcessRow>();
  private order = 0;
  private readonly names = new Map<string, MdatpRtpNameRow & { seen: number; pidSet: Set<number> }>();

  add(r: MdatpRtpProcessRow): void {
    const key = `${r.pid}\u0000${r.path ?? ''}`;
    const p = this.byProcess.get(key);
    if (p) {
      p.filesScanned += r.filesScanned;
      p.scanTimeNs += r.scanTimeNs;
      p.maxFileScanTimeNs = Math.max(p.maxFileScanTimeNs, r.maxFileScanTimeNs);
      p.name = r.name ?? p.name;
    } else this.byProcess.set(key, { ...r });
    const name = r.name ?? 'None';
    let n = this.names.get(name);
    if (!n) this.names.set(name, (n = { name, filesScanned: 0, scanTimeNs: 0, pids: 0, path: null, seen: 0, pidSet: new Set() }));
    n.filesScanned += r.filesScanned;
    n.scanTimeNs += r.scanTimeNs;
    n.pidSet.add(r.pid);
    n.path = r.path ?? n.path;
    n.seen = this.order++;
  }

  build(top = Infinity): MdatpRtpSummary {
    const processes = [...this.byProcess.values()]
      .filter((p) => p.filesScanned > 0)
      .sort((a, b) => b.filesScanned - a.filesScanned || b.scanTimeNs - a.scanTimeNs || a.pid - b.pid)
      .slice(0, top);
    const byName = [...this.names.values()]
      .filter((n) => n.filesScanned > 0)
      .sort((a, b) => b.filesScanned - a.filesScanned || cmp(a.path, b.path) || cmp(a.name, b.name))
      .slice(0, top)
      .map(({ name, filesScanned, scanTimeNs, pidSet, path }) => ({ name, filesScanned, scanTimeNs, pids: pidSet.size, path }));
    let totalFilesScanned = 0;
    let totalScanTimeNs = 0;
    for (const p of this.byProcess.values()) {
      totalFilesScanned += p.filesScanned;
      totalScanTimeNs += p.scanTimeNs;
    }
    return { processes, byName, totalFilesScanned, totalScanTimeNs };
  }
}

/** high_cpu_parser.py's output lines: `id<TAB>name<TAB>count<TAB>path`, or `name<TAB>total` with group. */
export function formatHighCpuParser(s: MdatpRtpSummary, group = false): string {
  if (group) return s.byName.map((n) => `${n.name}\t${n.filesScanned}\n`).join('');
  return s.processes.map((p) => `${p.pid}\t${p.name ?? 'None'}\t${p.filesScanned}\t${p.path ?? 'None'}\n`).join('');
}
