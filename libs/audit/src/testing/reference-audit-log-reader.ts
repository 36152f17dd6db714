import type { ObservedEvent } from '@fleettune/counting';
import { AuditEventAssembler } from '../audit-event-assembler';
import { AuditEventDraft } from '../audit-event-draft';
import { AuditEventInterpreter } from '../audit-event-interpreter';
import { AuditRecord } from '../audit-record';
import { SkipCounts, SkipReason } from '../skip-reason';
import { ReferenceAuditLineParser } from './reference-audit-line-parser';

/** What a reader run gives: events, skips and record count. */
export interface ReadResult {
  events: ObservedEvent[];
  records: number;
  skipped: number;
  skippedReasons: SkipCounts;
}

/**
 * The reader pipeline with the reference parser and a plain line split (no
 * byte scan, no hints): what AuditLogReader must give on any input.
 */
export function referenceRead(input: Buffer): ReadResult {
  const out: ReadResult = { events: [], records: 0, skipped: 0, skippedReasons: {} };
  const parser = new ReferenceAuditLineParser();
  const rec = new AuditRecord();
  const interpreter = new AuditEventInterpreter();
  const assembler = new AuditEventAssembler((d: AuditEventDraft) => out.events.push(interpreter.interpret(d)));
  const skip = (reason: SkipReason) => {
    out.skipped++;
    out.skippedReasons[reason] = (out.skippedReasons[reason] ?? 0) + 1;
  };
  let pos = 0;
  while (pos < input.length) {
    let nl = input.indexOf(10, pos);
    if (nl < 0) nl = input.length;
    if (nl - pos > 1024 * 1024) skip('line-too-long');
    else {
      const r = parser.parse(input, pos, nl, rec);
      if (r === null) {
        out.records++;
        assembler.add(rec);
      } else if (r !== 'empty') skip(r);
    }
    pos = nl + 1;
  }
  assembler.flush();
  return out;
}
