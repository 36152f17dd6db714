import { EventEmitter } from 'node:events';
import { ResourceMeter } from './resource-meter';
import type { ResourceSample } from './resource-sample';

/** Self-limits; osquery's watchdog defaults: 10% of one core over a minute, 200 MB. 0 = no limit. */
export interface ResourceLimits {
  maxCpuPercent: number;
  maxRssBytes: number;
  averageOverMs: number;
}

export const DEFAULT_RESOURCE_LIMITS: ResourceLimits = { maxCpuPercent: 10, maxRssBytes: 200 * 1024 * 1024, averageOverMs: 60_000 };

export interface DegradeSource {
  name: string;
  /** Higher = more important; the lowest is paused first. */
  priority: number;
}

export interface DegradeOptions {
  limits?: Partial<ResourceLimits>;
  /** The window length the agent was started with. */
  baseWindowMs: number;
  /** Windows are doubled up to this (default 8 × base, at most 24 h). */
  maxWindowMs?: number;
  sources?: DegradeSource[];
  /** Usage must stay under half the limits this long before a step is undone (default 5 averaging periods). */
  recoverAfterMs?: number;
  /** One structured line per step. */
  log?: (line: string) => void;
}

export type DegradeChange = { kind: 'window'; windowMs: number } | { kind: 'pause'; source: string } | { kind: 'resume'; source: string };

export interface DegradeState {
  /** 0 = not degraded; each step adds one. */
  level: number;
  windowMs: number;
  pausedSources: string[];
}

export interface DegradeControllerEvents {
  change: [DegradeChange, DegradeState];
}

/**
 * Decides how the agent degrades when it uses more than its limits, instead
 * of hurting the host: first it doubles the window length (fewer, coarser
 * batches; up to a cap), then pauses the lowest-priority sources one by one
 * (never the last). One step per averaging period, since the average must
 * show the effect of a step before the next one is judged. When usage stays
 * under half the limits for `recoverAfterMs`, steps are undone in reverse.
 * Pure: samples come from outside (`observe`), changes go out as events.
 */
export class DegradeController extends EventEmitter<DegradeControllerEvents> {
  readonly limits: ResourceLimits;
  private readonly meter: ResourceMeter;
  private readonly maxWindowMs: number;
  private readonly recoverAfterMs: number;
  private readonly log: (line: string) => void;
  private readonly sources: DegradeSource[];
  private readonly steps: DegradeChange[] = [];
  private windowMs: number;
  private paused: string[] = [];
  private calmSinceMs: number | undefined;
  private exhaustedLogged = false;
  private lastStepAtMs: number | undefined;

  constructor(private readonly o: DegradeOptions) {
    super();
    this.limits = { ...DEFAULT_RESOURCE_LIMITS, ...o.limits };
    this.meter = new ResourceMeter(this.limits.averageOverMs);
    this.windowMs = o.baseWindowMs;
    this.maxWindowMs = Math.min(o.maxWindowMs ?? o.baseWindowMs * 8, 24 * 3600_000);
    this.recoverAfterMs = o.recoverAfterMs ?? this.limits.averageOverMs * 5;
    this.log = o.log ?? (() => undefined);
    this.sources = [...(o.sources ?? [])].sort((a, b) => a.priority - b.priority);
  }

  state(): DegradeState {
    return { level: this.steps.length, windowMs: this.windowMs, pausedSources: [...this.paused] };
  }

  isPaused(source: string): boolean {
    return this.paused.includes(source);
  }

  /** Feeds one sample; returns the change it caused, if any. */
  observe(sample: ResourceSample): DegradeChange | undefined {
    this.meter.add(sample);
    const cpu = this.meter.cpuPercent();
    const rss = this.meter.rssBytes() ?? 0;
    const { maxCpuPercent, maxRssBytes } = this.limits;
    const cpuOver = maxCpuPercent > 0 && cpu !== undefined && cpu > maxCpuPercent;
    const rssOver = maxRssBytes > 0 && rss > maxRssBytes;
    if (cpuOver || rssOver) {
      this.calmSinceMs = undefined;
      // After a step, wait a whole period so the usage can show its effect (CPU: the meter was reset too).
      if (this.lastStepAtMs !== undefined && sample.atMs - this.lastStepAtMs < this.limits.averageOverMs) return undefined;
      this.lastStepAtMs = sample.atMs;
      const reason = {
        cpuPercent: cpu === undefined ? null : round(cpu),
        rssMb: round(rss / 1048576),
        over: [cpuOver && 'cpu', rssOver && 'rss'].filter(Boolean),
      };
      const change = this.nextDegradeStep();
      if (!change) {
        if (!this.exhaustedLogged) this.emitLog('agent-degrade-exhausted', reason);
        this.exhaustedLogged = true;
        this.meter.reset();
        return undefined;
      }
      this.steps.push(change);
      this.apply(change);
      this.emitLog('agent-degraded', { ...reason, change });
      this.meter.reset();
      this.emit('change', change, this.state());
      return change;
    }
    const calm = cpu !== undefined && (maxCpuPercent <= 0 || cpu < maxCpuPercent / 2) && (maxRssBytes <= 0 || rss < maxRssBytes / 2);
    if (!calm || this.steps.length === 0) {
      if (!calm) this.calmSinceMs = undefined;
      return undefined;
    }
    this.calmSinceMs ??= sample.atMs;
    if (sample.atMs - this.calmSinceMs < this.recoverAfterMs) return undefined;
    const undo = this.undo(this.steps.pop()!);
    this.apply(undo);
    this.exhaustedLogged = false;
    this.calmSinceMs = sample.atMs;
    this.lastStepAtMs = sample.atMs;
    this.emitLog('agent-recovered', { cpuPercent: round(cpu), rssMb: round(rss / 1048576), change: undo });
    this.meter.reset();
    this.emit('change', undo, this.state());
    return undo;
  }

  private nextDegradeStep(): DegradeChange | undefined {
    if (this.windowMs < this.maxWindowMs) return { kind: 'window', windowMs: Math.min(this.windowMs * 2, this.maxWindowMs) };
    const running = this.sources.filter((s) => !this.paused.includes(s.name));
    if (running.length > 1) return { kind: 'pause', source: running[0].name };
    return undefined;
  }

  private undo(step: DegradeChange): DegradeChange {
    if (step.kind === 'pause') return { kind: 'resume', source: step.source };
    const before = this.steps.filter((s): s is Extract<DegradeChange, { kind: 'window' }> => s.kind === 'window').at(-1);
    return { kind: 'window', windowMs: before?.windowMs ?? this.o.baseWindowMs };
  }

  private apply(c: DegradeChange): void {
    if (c.kind === 'window') this.windowMs = c.windowMs;
    else if (c.kind === 'pause') this.paused.push(c.source);
    else this.paused = this.paused.filter((s) => s !== c.source);
  }

  private emitLog(event: string, fields: object): void {
    this.log(
      JSON.stringify({
        event,
        ...fields,
        level: this.steps.length,
        windowMs: this.windowMs,
        pausedSources: this.paused,
        limits: { maxCpuPercent: this.limits.maxCpuPercent, maxRssMb: round(this.limits.maxRssBytes / 1048576) },
      }),
    );
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
