import type { ResourceSample } from './resource-sample';

/**
 * CPU percent of one core averaged over a sliding period (osquery's
 * watchdog judges an interval, not a spike) and the latest RSS.
 */
export class ResourceMeter {
  private samples: ResourceSample[] = [];

  constructor(private readonly averageOverMs: number) {}

  add(s: ResourceSample): void {
    this.samples.push(s);
    // Keep one sample at or before the start of the period so the average covers all of it.
    while (this.samples.length > 2 && s.atMs - this.samples[1].atMs >= this.averageOverMs) this.samples.shift();
  }

  /** Undefined until a whole period is covered: a start-up burst is not judged. */
  cpuPercent(): number | undefined {
    if (this.samples.length < 2) return undefined;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const wall = last.atMs - first.atMs;
    if (wall < this.averageOverMs) return undefined;
    return ((last.cpuMicros - first.cpuMicros) / 1000 / wall) * 100;
  }

  rssBytes(): number | undefined {
    return this.samples.at(-1)?.rssBytes;
  }

  /** Forget the past: after a degrade step, only usage under the new regime counts. */
  reset(): void {
    this.samples = this.samples.slice(-1);
  }
}
