import { syscallName } from '@fleettune/audit';
import { SkipListenerOptions, SkipSummary, TextReportParser } from '@fleettune/line-input';
import { MdatpSkipReason } from './mdatp-skip-reason';

export type EbpfStatisticsRow =
  | { section: 'initiators'; path: string; count: number }
  | { section: 'syscalls'; number: number; /** Name on `arch`, or the number as text when unknown. */ syscall: string; count: number };

export interface EbpfStatisticsStats extends SkipSummary<MdatpSkipReason> {
  rows: number;
}

export interface EbpfStatisticsParserOptions extends SkipListenerOptions<MdatpSkipReason> {
  /** Architecture the syscall numbers are for (audit arch name or hex). Default x86_64; 'none' keeps numbers. */
  arch?: string;
}

/**
 * Parses `mdatp diagnostic ebpf-statistics` (a 20 s sample): `Top initiator
 * paths:` then `path : count`, `Top syscall ids:` then `nr : count`. Paths may
 * hold ` : `, so a row splits at its last ` : `.
 */
export class EbpfStatisticsParser extends TextReportParser<MdatpSkipReason, EbpfStatisticsStats> {
  private section: 'initiators' | 'syscalls' | undefined;
  private rows = 0;

  constructor(
    private readonly onRow: (row: EbpfStatisticsRow) => void,
    private readonly options: EbpfStatisticsParserOptions = {},
  ) {
    super(options.onSkip);
  }

  protected finish(): EbpfStatisticsStats {
    return { rows: this.rows, ...this.tally.summary() };
  }

  protected line(text: string, n: number): void {
    const s = text.trim();
    if (s === '' || /^[$#]\s.*\bmdatp\b/.test(s)) return; // blank, or the command line of a pasted capture
    if (/^Top initiator paths\s*:?$/i.test(s)) {
      this.section = 'initiators';
      return;
    }
    if (/^Top syscall ids\s*:?$/i.test(s)) {
      this.section = 'syscalls';
      return;
    }
    const at = s.lastIndexOf(' : ');
    const countText = at >= 0 ? s.slice(at + 3).trim() : '';
    if (!this.section || at < 0 || !/^\d{1,15}$/.test(countText)) {
      this.tally.add(this.section ? 'bad-row' : 'text-line', `line ${n}: not an ebpf-statistics row, skipped`);
      return;
    }
    const count = Number(countText);
    const key = s.slice(0, at).trim();
    if (this.section === 'initiators') {
      if (key === '') {
        this.tally.add('bad-row', `line ${n}: empty initiator path, skipped`);
        return;
      }
      this.rows++;
      this.onRow({ section: 'initiators', path: key, count });
      return;
    }
    if (!/^\d{1,6}$/.test(key)) {
      this.tally.add('bad-row', `line ${n}: syscall id is not a number, skipped`);
      return;
    }
    const nr = Number(key);
    const arch = this.options.arch ?? 'x86_64';
    this.rows++;
    this.onRow({ section: 'syscalls', number: nr, syscall: (arch === 'none' ? undefined : syscallName(arch, nr)) ?? String(nr), count });
  }
}
