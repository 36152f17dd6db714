// Types only: the recompute worker thread reads codes through this file and needs no gRPC code.
import type { ProgramFormatName } from '@fleettune/proto';

/**
 * exec_counts.program_format and activity_rollups.program_format: what an
 * executed program file is (issue 19 item 4), as a smallint code ordered by
 * the strength of the reading, so that SQL merges readings with max() /
 * GREATEST(): a script seen once stays a script, a binary beats a reading
 * that said nothing, unknown stays only when every reading was unknown.
 * NULL: not reported. Never renumber: the codes are stored.
 */
export const PROGRAM_FORMAT_CODES: Readonly<Record<ProgramFormatName, number>> = { unreadable: 1, other: 2, elf: 3, 'mach-o': 4, script: 5 };

const NAME_OF_CODE = new Map<number, ProgramFormatName>(Object.entries(PROGRAM_FORMAT_CODES).map(([name, code]) => [code, name as ProgramFormatName]));

/** The stored code of a format (programFormatFromWire of ExecCount.program_format); null when unknown. */
export function programFormatCode(name: ProgramFormatName | undefined): number | null {
  return name ? PROGRAM_FORMAT_CODES[name] : null;
}

/** The format a stored code stands for; undefined for NULL or a code this hub does not know. */
export function programFormatOfCode(code: number | null | undefined): ProgramFormatName | undefined {
  return code === null || code === undefined ? undefined : NAME_OF_CODE.get(code);
}
