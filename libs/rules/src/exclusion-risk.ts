import { hasWildcard, isSameOrUnder, normalizePath } from '@fleettune/paths';
import { ExclusionRisk, ExclusionType, RiskFlag } from './exclusion-item';
import { USER_WRITABLE_DIRS, WORLD_WRITABLE_DIRS } from './exclusion-safety-policy';
import { isInSystemTree } from './system-tree-policy';

export interface RiskInput {
  type: ExclusionType;
  value: string;
  isDirectory: boolean;
  applyToChildren: boolean;
  /** The item excludes a shell/interpreter itself or as a child of the excluded process. */
  coversInterpreter: boolean;
  /** A process item whose program no agent reported as a binary (ELF/Mach-O): marked, level unchanged. */
  formatUnconfirmed?: boolean;
}

/** True for a full path without wildcards outside places users can write (MDE: global takes no wildcards or extensions). */
export function isGlobalScopeEligible(type: ExclusionType, value: string): boolean {
  if (type !== 'path' && type !== 'process') return false;
  if (hasWildcard(value)) return false;
  const p = normalizePath(value);
  return !USER_WRITABLE_DIRS.some((d) => isSameOrUnder(p, d)) && !isSameOrUnder(p, '/root');
}

/**
 * Every flag raises the level: world-writable places, interpreters and
 * extension-wide exclusions are high, anything that widens a single path is medium.
 */
export function assessRisk(input: RiskInput): ExclusionRisk {
  const flags: RiskFlag[] = [];
  const p = normalizePath(input.value);
  const pathLike = input.type !== 'extension' && input.type !== 'filename';
  if (pathLike && USER_WRITABLE_DIRS.some((d) => isSameOrUnder(p, d))) flags.push('user-writable');
  if (pathLike && WORLD_WRITABLE_DIRS.some((d) => isSameOrUnder(p, d))) flags.push('world-writable');
  if (input.coversInterpreter) flags.push('interpreter');
  if (hasWildcard(input.value)) flags.push('wildcard-breadth');
  if (isGlobalScopeEligible(input.type, input.value)) flags.push('global-scope');
  if (input.applyToChildren) flags.push('apply-to-children');
  if (input.isDirectory) flags.push('directory');
  if (input.type === 'extension' || input.type === 'filename') flags.push('extension-wide');
  if (pathLike && isInSystemTree(input.value)) flags.push('system-tree');
  if (input.formatUnconfirmed && input.type === 'process') flags.push('format-unconfirmed');

  const high: RiskFlag[] = ['world-writable', 'interpreter', 'extension-wide', 'system-tree'];
  const level = flags.some((f) => high.includes(f)) ? 'high' : flags.some((f) => f !== 'global-scope' && f !== 'format-unconfirmed') ? 'medium' : 'low';
  return { level, flags };
}
