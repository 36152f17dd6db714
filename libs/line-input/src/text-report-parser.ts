import { isUtf8 } from 'node:buffer';
import { LineSplitter } from './line-splitter';
import { SkipSummary, SkipTally } from './skip-tally';

/** The skips TextReportParser makes itself, before a subclass sees a line. */
export type TextLineSkipReason = 'line-too-long' | 'invalid-utf8';

/** The option every report parser takes: hear each skip as it happens (e.g. for metrics). */
export interface SkipListenerOptions<Reason extends string> {
  onSkip?: (reason: Reason) => void;
}

/**
 * Base of the push parsers of small text reports that name the line of each
 * problem (Cisco scan-count lists and ampdaemon.log, mdatp ebpf-statistics).
 * A line over the limit or not UTF-8 is a skip with its number and never
 * reaches the subclass, so `line` handles text only; the numbering counts
 * those skipped lines too, so a number always matches the line in the file.
 */
export abstract class TextReportParser<Reason extends string, Stats extends SkipSummary<Reason | TextLineSkipReason>> {
  protected readonly tally: SkipTally<Reason | TextLineSkipReason>;
  /** Lines seen so far, skipped ones included: the number of the last line. */
  protected lineCount = 0;
  private readonly splitter: LineSplitter;

  constructor(onSkip?: (reason: Reason | TextLineSkipReason) => void) {
    this.tally = new SkipTally(onSkip);
    this.splitter = new LineSplitter(
      (buf) => {
        const n = ++this.lineCount;
        if (!isUtf8(buf)) this.tally.add('invalid-utf8', `line ${n}: not UTF-8, skipped`);
        else this.line(buf.toString('utf8'), n);
      },
      () => this.tally.add('line-too-long', `line ${++this.lineCount}: too long, skipped`),
    );
  }

  push(chunk: Buffer): void {
    this.splitter.push(chunk);
  }

  end(): Stats {
    this.splitter.end();
    return this.finish();
  }

  /** One line of text (without its newline) and its number, from 1. */
  protected abstract line(text: string, n: number): void;

  /** After the last line: settles what is pending and gives the stats. */
  protected abstract finish(): Stats;
}
