import type { ObservedEvent } from '@fleettune/counting';

export interface SourceReadResult {
  events: number;
  skipped: number;
  skippedReasons: Record<string, number>;
  /** Earliest / latest event time seen (ms since epoch). */
  firstTimestampMs?: number;
  lastTimestampMs?: number;
}

export interface SourceReadOptions {
  /** Called with the size of each chunk as it is consumed (progress). */
  onBytes?: (n: number) => void;
  /** Called for every skipped input line / record. */
  onSkip?: (reason: string) => void;
}

/** A parser of one kind of recorded activity into ObservedEvents. */
export interface EventSource {
  readonly name: string;
  readonly description: string;
  read(chunks: AsyncIterable<Buffer>, onEvent: (event: ObservedEvent) => void, options?: SourceReadOptions): Promise<SourceReadResult>;
}
