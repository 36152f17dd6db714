/**
 * The Cisco guide's execution bars, judged per host over what the host
 * actually captured, not per clock-aligned block. Its words:
 */
export const CISCO_EXEC_RATE_TEXT =
  'Finding and excluding applications that repetitively execute child processes at a rate greater than once per second can significantly reduce your CPU usage';
export const CISCO_EXEC_BURST_TEXT =
  'Any applications seen being executed at a rate greater than once a second, or executed multiple times in short bursts, should be considered a good candidate for exclusion.';
export const CISCO_COUNT_TEXT =
  'Leave the connector running in Debug mode for a 15-20 minute period, and then run the Support Tool. A good rule of thumb is that any files or paths that average 1000 hits or more during that time are good candidates to be excluded.';
export const CISCO_CAPTURE_TEXT = 'Run the connector in this mode for at least 15-20 minutes prior to continuing with the rest of the tuning.';

/** One host's executions of one subject in one evaluation bin. */
export interface ExecBinCell {
  /** Bin index (epoch ms / bin length). */
  bin: number;
  count: number;
  /** First and last moment of activity inside the bin (agent window bounds), NaN when unknown. */
  activeStartMs: number;
  activeEndMs: number;
}

export interface ExecRateBars {
  /** Length of a bin in ms (the hub's 20-minute rollup bins). */
  binMs: number;
  /** "a rate greater than once per second": strictly more than this many executions per second. */
  execPerSecondThreshold: number;
  /** A rate is judged only over at least this many seconds ("at least 15-20 minutes"); shorter activity is the burst rule's. */
  execMinSpanSeconds: number;
  /** "1000 hits or more during that time": at least this many executions ... */
  execCountThreshold: number;
  /** ... within at most this many seconds (the guide's 15-20 minute capture). */
  execCountSpanSeconds: number;
}

export interface ExecMeasure {
  count: number;
  seconds: number;
  ratePerSecond: number;
  startMs: number;
}

export interface ExecRateVerdict {
  passes: boolean;
  /** Which bar passed: the rate over the span, or the count within the guide's capture length. */
  bar?: 'rate' | 'count';
  /** The measure that passed, or the one closest to a bar when none did. */
  measure: ExecMeasure;
  /** Why the host misses both bars (absent when it passes). */
  why?: string;
}

/**
 * Judges one host: its bins are joined into runs of adjacent bins, so a
 * capture that crosses a clock edge (899 + 720) is one measure, not two
 * halves. Measures: every run whole, every bin, every adjacent pair (a
 * sliding window at bin steps), each over its real active span when the
 * agent windows' bounds are known and over whole bins otherwise.
 * `cells` must be sorted by bin.
 */
export function judgeHostExecRate(cells: readonly ExecBinCell[], bars: ExecRateBars): ExecRateVerdict {
  const measures: ExecMeasure[] = [];
  const measure = (from: number, to: number) => {
    let count = 0;
    for (let k = from; k <= to; k++) count += cells[k].count;
    const a = cells[from];
    const b = cells[to];
    const startMs = Number.isFinite(a.activeStartMs) ? a.activeStartMs : a.bin * bars.binMs;
    const endMs = Number.isFinite(b.activeEndMs) ? b.activeEndMs : (b.bin + 1) * bars.binMs;
    const seconds = Math.max(1, (endMs - startMs) / 1000);
    measures.push({ count, seconds, ratePerSecond: count / seconds, startMs });
  };
  let runStart = 0;
  for (let k = 0; k < cells.length; k++) {
    measure(k, k);
    const adjacent = k + 1 < cells.length && cells[k + 1].bin === cells[k].bin + 1;
    if (adjacent) measure(k, k + 1);
    if (!adjacent) {
      if (k - runStart >= 2) measure(runStart, k);
      runStart = k + 1;
    }
  }
  const byRate = (m: ExecMeasure) => m.seconds >= bars.execMinSpanSeconds && m.ratePerSecond > bars.execPerSecondThreshold;
  const byCount = (m: ExecMeasure) => m.seconds <= bars.execCountSpanSeconds && m.count >= bars.execCountThreshold;
  let best: ExecMeasure | undefined;
  let bar: 'rate' | 'count' | undefined;
  for (const m of measures) {
    const b = byRate(m) ? 'rate' : byCount(m) ? 'count' : undefined;
    if (b && (!best || m.count > best.count || (m.count === best.count && m.seconds < best.seconds))) {
      best = m;
      bar = b;
    }
  }
  if (best) return { passes: true, bar, measure: best };
  // Closest to a bar: the largest share of either bar a measure reaches where that bar applies.
  const share = (m: ExecMeasure) => barShare(m, bars);
  let near = measures[0] ?? { count: 0, seconds: 1, ratePerSecond: 0, startMs: 0 };
  for (const m of measures) if (share(m) > share(near)) near = m;
  return { passes: false, measure: near, why: describeMiss(near, bars) };
}

/**
 * Which of two hosts' verdicts an item's evidence shows: a pass before a miss, then more
 * executions, then the shorter span, then the earlier start. A total order, so the evidence does
 * not depend on the order hosts happen to be numbered in (two hubs fed the same logs number them
 * differently and must show the same item).
 */
export function moreTelling(a: ExecRateVerdict, b: ExecRateVerdict): boolean {
  if (a.passes !== b.passes) return a.passes;
  if (a.measure.count !== b.measure.count) return a.measure.count > b.measure.count;
  if (a.measure.seconds !== b.measure.seconds) return a.measure.seconds < b.measure.seconds;
  return a.measure.startMs < b.measure.startMs;
}

/** How far a measure gets toward the nearer bar that applies to its span, 0..1 (1 = at the bar). */
export function barShare(m: ExecMeasure, bars: ExecRateBars): number {
  return Math.max(
    m.seconds >= bars.execMinSpanSeconds ? m.ratePerSecond / bars.execPerSecondThreshold : 0,
    m.seconds <= bars.execCountSpanSeconds ? m.count / bars.execCountThreshold : 0,
  );
}

export function describeMeasure(m: ExecMeasure): string {
  return `${m.count} executions in ${describeSeconds(m.seconds)} (${round(m.ratePerSecond, 3)}/s)`;
}

export function describeExecBars(bars: ExecRateBars): string {
  return `> ${bars.execPerSecondThreshold}/s over at least ${describeSeconds(bars.execMinSpanSeconds)}, or >= ${bars.execCountThreshold} within ${describeSeconds(bars.execCountSpanSeconds)}`;
}

function describeMiss(m: ExecMeasure, bars: ExecRateBars): string {
  const parts: string[] = [];
  if (m.seconds < bars.execMinSpanSeconds)
    parts.push(`active ${describeSeconds(m.seconds)}, shorter than the ${describeSeconds(bars.execMinSpanSeconds)} a rate is judged over`);
  else parts.push(`${round(m.ratePerSecond, 3)}/s is not more than ${bars.execPerSecondThreshold}/s`);
  if (m.seconds > bars.execCountSpanSeconds) parts.push(`spread over more than ${describeSeconds(bars.execCountSpanSeconds)}`);
  else parts.push(`${m.count} is fewer than ${bars.execCountThreshold}`);
  return `best ${describeMeasure(m)}: ${parts.join('; ')}`;
}

function describeSeconds(s: number): string {
  if (s >= 120) return `${round(s / 60, 1)} min`;
  return `${round(s, 1)} s`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
