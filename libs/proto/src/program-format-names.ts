import { ProgramFormat } from './generated/fleettune/v1/agent';

/** ExecCount.program_format by the names the agent and the engine use (libs/counting ProgramFormat). */
export type ProgramFormatName = 'elf' | 'mach-o' | 'script' | 'other' | 'unreadable';

const BY_NAME: Record<ProgramFormatName, ProgramFormat> = {
  elf: ProgramFormat.PROGRAM_FORMAT_ELF,
  'mach-o': ProgramFormat.PROGRAM_FORMAT_MACH_O,
  script: ProgramFormat.PROGRAM_FORMAT_SCRIPT,
  other: ProgramFormat.PROGRAM_FORMAT_OTHER,
  unreadable: ProgramFormat.PROGRAM_FORMAT_UNREADABLE,
};
const BY_VALUE = new Map<number, ProgramFormatName>(Object.entries(BY_NAME).map(([name, v]) => [v, name as ProgramFormatName]));

export function programFormatToWire(name: ProgramFormatName): ProgramFormat {
  return BY_NAME[name];
}

/**
 * The name of a decoded program_format; undefined when absent, UNSPECIFIED or
 * a value this version does not know (a newer or hostile agent): unknown.
 */
export function programFormatFromWire(v: ProgramFormat | number | undefined): ProgramFormatName | undefined {
  return v === undefined ? undefined : BY_VALUE.get(v);
}
