/**
 * Bounded pid -> executable map, learned from the SYSCALL records seen so
 * far, to name the parent of an exec (its ppid). When full, the entry
 * updated longest ago is dropped; pids are reused, so recency is what counts.
 */
export class ProcessExeMap {
  private readonly map = new Map<number, string>();

  constructor(private readonly capacity = 65536) {}

  get(pid: number): string | undefined {
    return this.map.get(pid);
  }

  set(pid: number, exe: string): void {
    if (this.map.get(pid) === exe) return;
    this.map.delete(pid);
    this.map.set(pid, exe);
    if (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }

  clear(): void {
    this.map.clear();
  }

  /** Entries, least recently updated first (for a checkpoint). */
  entries(): Array<[number, string]> {
    return [...this.map];
  }

  get size(): number {
    return this.map.size;
  }
}
