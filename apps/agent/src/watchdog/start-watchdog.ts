import { InvalidArgumentError } from 'commander';
import { DegradeController, DegradeOptions, ResourceLimits } from './degrade-controller';
import { PausableSource, followDegradeSteps, sourcePriorities } from './pausable-sources';
import { ResourceSampler, processSampler } from './resource-sample';

export interface WatchdogOptions extends DegradeOptions {
  /** How often usage is sampled (default 5 s). */
  intervalMs?: number;
  sampler?: ResourceSampler;
  /** Coarser windows are applied here: never-sent windows are sent merged into buckets of the degraded length. */
  spool?: { setCoarsenMs(ms: number): void };
  /** Sources to pause (lowest priority = last listed first) and resume; see pausableSources. */
  pausable?: readonly PausableSource[];
}

export interface RunningWatchdog {
  controller: DegradeController;
  stop(): void;
}

/**
 * The run command's watchdog: samples this process every few seconds and
 * lets the DegradeController decide. Coarser windows are applied to the
 * spool here; pausing sources is the caller's (subscribe to 'change' or
 * ask `controller.isPaused(name)` before reading a source).
 */
export function startWatchdog(o: WatchdogOptions): RunningWatchdog {
  const controller = new DegradeController({ ...o, sources: o.sources ?? (o.pausable && sourcePriorities(o.pausable)) });
  if (o.pausable) followDegradeSteps(controller, o.pausable);
  const sampler = o.sampler ?? processSampler;
  controller.on('change', (c) => {
    if (c.kind === 'window') o.spool?.setCoarsenMs(c.windowMs > o.baseWindowMs ? c.windowMs : 0);
  });
  const { maxCpuPercent, maxRssBytes } = controller.limits;
  if (maxCpuPercent <= 0 && maxRssBytes <= 0) return { controller, stop: () => undefined };
  controller.observe(sampler());
  const timer = setInterval(() => controller.observe(sampler()), o.intervalMs ?? 5_000);
  timer.unref();
  return {
    controller,
    stop: () => {
      clearInterval(timer);
      // Stopping: nothing more is held back for coarsening, so the last windows can go out.
      o.spool?.setCoarsenMs(0);
    },
  };
}

/** `run --max-cpu-percent` / `--max-rss-mb` as limits (0 = no limit). */
export function cliResourceLimits(o: { maxCpuPercent?: number; maxRssMb?: number }): Partial<ResourceLimits> {
  const limits: Partial<ResourceLimits> = {};
  if (o.maxCpuPercent !== undefined) limits.maxCpuPercent = o.maxCpuPercent;
  if (o.maxRssMb !== undefined) limits.maxRssBytes = Math.round(o.maxRssMb * 1024 * 1024);
  return limits;
}

/** Commander parser for the limits: a number >= 0. */
export function nonNegativeNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number >= 0');
  return n;
}
