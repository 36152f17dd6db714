import { isUtf8 } from 'node:buffer';
import { LineSplitter } from './line-splitter';

/** The skips NumberedTextLines makes itself; any SkipTally whose reasons include these will do. */
export interface TextLineSkips {
  add(reason: 'line-too-long' | 'invalid-utf8', message: string): void;
}

/**
 * Splits bytes into numbered UTF-8 lines for the report parsers that name the
 * line of each problem (Cisco lists and logs, mdatp ebpf-statistics). A line
 * over the limit or not UTF-8 is a skip with its number and never reaches the
 * parser, so each parser handles text only; the numbering counts those
 * skipped lines too, so a number always matches the line in the file.
 */
export class NumberedTextLines {
  /** Lines seen so far, skipped ones included: the number of the last line. */
  count = 0;
  private readonly splitter: LineSplitter;

  constructor(onLine: (text: string, n: number) => void, skips: TextLineSkips) {
    this.splitter = new LineSplitter(
      (buf) => {
        const n = ++this.count;
        if (!isUtf8(buf)) skips.add('invalid-utf8', `line ${n}: not UTF-8, skipped`);
        else onLine(buf.toString('utf8'), n);
      },
      () => skips.add('line-too-long', `line ${++this.count}: too long, skipped`),
    );
  }

  push(chunk: Buffer): void {
    this.splitter.push(chunk);
  }

  end(): void {
    this.splitter.end();
  }
}
