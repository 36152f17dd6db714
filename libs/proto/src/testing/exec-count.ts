import { ExecCount, ProgramFormat } from '../generated/fleettune/v1/agent';

/**
 * An ExecCount row for specs of program formats: `programFormat` is left out
 * (not set to undefined) when not given, as in a row from an agent that could
 * not tell or predates the field, so deepEqual and the encoding see what the
 * wire would carry.
 */
export function execCount(path: string, count: number, programFormat: ProgramFormat | undefined, parent: Pick<ExecCount, 'parentPath' | 'user'>): ExecCount {
  return { path, ...parent, count, ...(programFormat !== undefined ? { programFormat } : {}) };
}
