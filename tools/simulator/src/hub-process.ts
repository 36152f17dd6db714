// One hub launcher for the demo, the tests, the simulator and the benchmarks.
import { rssOf } from '@fleettune/demo';

export { REPO, rssOf, startHubProcess, throwAwayHubEnv, SIMULATED_FLEET_ENROLL_ENV, type HubProcess } from '@fleettune/demo';

/** Samples a process's RSS every `everyMs` and keeps the peak. */
export function watchRss(pid: number, everyMs = 500): { peak(): number; last(): number; stop(): void } {
  let peak = 0;
  let last = rssOf(pid);
  const t = setInterval(() => {
    last = rssOf(pid);
    if (last > peak) peak = last;
  }, everyMs);
  t.unref();
  return { peak: () => Math.max(peak, last || 0), last: () => last, stop: () => clearInterval(t) };
}
