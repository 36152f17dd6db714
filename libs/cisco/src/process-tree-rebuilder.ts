export interface ProcessNode {
  pid: number;
  /** Executable path; undefined when no exec of this pid was seen. */
  path?: string;
  uid?: number;
}

export interface ProcessTreeOptions {
  /** Most processes remembered; the least recently seen are forgotten first. Default 100,000. */
  maxProcesses?: number;
  /** Longest chain returned (guards against loops). Default 64. */
  maxDepth?: number;
}

interface Entry {
  ppid: number;
  path: string;
  uid: number;
}

/**
 * Rebuilds process ancestry from exec records (`P:` executed `path`, its
 * parent is `PP:`), as Cisco's tuning guide does by hand: follow PP: up to
 * PP:1 or until a parent was never seen executing. PID reuse: the latest exec
 * of a pid wins. Memory is bounded (least recently seen forgotten first).
 */
export class ProcessTreeRebuilder {
  private readonly procs = new Map<number, Entry>();
  private readonly max: number;
  private readonly maxDepth: number;

  constructor(o: ProcessTreeOptions = {}) {
    this.max = o.maxProcesses ?? 100_000;
    this.maxDepth = o.maxDepth ?? 64;
  }

  get size(): number {
    return this.procs.size;
  }

  recordExec(pid: number, ppid: number, path: string, uid: number): void {
    this.procs.delete(pid);
    this.procs.set(pid, { ppid, path, uid });
    if (this.procs.size > this.max) this.procs.delete(this.procs.keys().next().value as number);
  }

  pathOf(pid: number): string | undefined {
    return this.procs.get(pid)?.path;
  }

  parentOf(pid: number): number | undefined {
    return this.procs.get(pid)?.ppid;
  }

  /**
   * `pid` and its ancestors, nearest first: stops after pid 1 (launchd/init), at
   * the first pid never seen executing (listed without a path), on a loop, or at maxDepth.
   */
  chain(pid: number, ppid?: number): ProcessNode[] {
    const out: ProcessNode[] = [];
    const seen = new Set<number>();
    let cur: number | undefined = pid;
    let nextParent = ppid;
    while (cur !== undefined && out.length < this.maxDepth && !seen.has(cur)) {
      seen.add(cur);
      const e = this.procs.get(cur);
      out.push(e ? { pid: cur, path: e.path, uid: e.uid } : { pid: cur });
      if (cur <= 1) break;
      const parent: number | undefined = e ? e.ppid : nextParent;
      nextParent = undefined;
      if (!e && cur !== pid) break; // an unknown ancestor ends the chain
      cur = parent;
    }
    return out;
  }
}
