import { performance } from 'node:perf_hooks';

/** One reading of what this process has used so far. */
export interface ResourceSample {
  /** Monotonic clock, ms. */
  atMs: number;
  /** CPU time (user + system) since the process started, µs. */
  cpuMicros: number;
  rssBytes: number;
}

export type ResourceSampler = () => ResourceSample;

/** The agent's own usage, from process.cpuUsage() and process.memoryUsage.rss(). */
export const processSampler: ResourceSampler = () => {
  const cpu = process.cpuUsage();
  return { atMs: performance.now(), cpuMicros: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss() };
};
