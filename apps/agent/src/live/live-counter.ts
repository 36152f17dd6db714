import type { WindowCounts } from '@fleettune/counting';

/**
 * Bytes of one followed input -> per-window counts, emitting a window only
 * once it is complete, with a JSON-safe snapshot of everything read but not
 * yet emitted. LiveFileFollower drives one of these per input.
 */
export interface LiveCounter {
  push(chunk: Buffer): void;
  /** One input file is finished (rotated away); the next continues the stream. */
  endOfFile(): void;
  /** Windows complete by event time, or also by wall clock `quietNowMs` when the input is quiet. */
  takeComplete(quietNowMs?: number): WindowCounts[];
  /** End of input: every window is emitted. */
  end(includePartialLine?: boolean): WindowCounts[];
  snapshot(): unknown;
  restore(snapshot: unknown): void;
  /**
   * True when the parser keeps state across lines that the snapshot does not
   * hold (a column header, a process tree): after a restart the follower
   * re-reads the checkpointed file up to the checkpoint with `muted` set, so
   * that state is rebuilt while nothing is counted twice.
   */
  readonly replaysPrefix: boolean;
  muted: boolean;
  /** What this process counted so far (not muted): an input that yields no event is warned about. */
  readonly tally?: InputTally;
}

/** What every live counter is built with: the source it counts and how it cuts windows. */
export interface LiveCounterOptions {
  source: string;
  windowMs: number;
  /** How long after a window's end (in event time) events of it may still arrive. */
  graceMs: number;
}

export interface InputTally {
  events: number;
  skipped: number;
  skippedReasons: Record<string, number>;
}
