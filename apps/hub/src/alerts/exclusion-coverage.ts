import { baseName, isSameOrUnder, normalizePath } from '@fleettune/paths';
import type { SubjectGroup } from './alert-detector';

/** The fields of an (approved) exclusion item that decide what it covers. */
export interface CoveringExclusion {
  type: string;
  value: string;
  isDirectory: boolean;
  applyToChildren: boolean;
}

/**
 * Whether an exclusion already silences a subject, so it must not alert.
 * Subjects and exclusion values are both generalized (`/home/*\/...`); a
 * `*` in the exclusion matches one path level, as in MDE and Cisco.
 */
export function isCoveredBy(group: SubjectGroup, subject: string, ex: CoveringExclusion): boolean {
  const value = normalizePath(ex.value);
  switch (ex.type) {
    case 'process':
    case 'audit-exe':
      // A process exclusion silences the program's own executions, and (apply-to-children) what it starts.
      return group === 'process' && globMatch(value, subject);
    case 'path':
    case 'wildcard':
    case 'audit-dir': {
      if (group === 'process') return false;
      const dir = ex.isDirectory || ex.type === 'audit-dir';
      if (globMatch(value, subject)) return true;
      return dir && underGlob(subject, value);
    }
    case 'extension':
      return group === 'path' && baseName(subject).toLowerCase().endsWith(value.toLowerCase());
    case 'filename':
      return group === 'path' && baseName(subject) === value;
    default:
      return false;
  }
}

export function isCoveredByAny(group: SubjectGroup, subject: string, exclusions: readonly CoveringExclusion[]): boolean {
  return exclusions.some((e) => isCoveredBy(group, subject, e));
}

/** `*` and `?` within one path level; a literal `*` in the subject (a generalized user) is matched by `*` or itself. */
function globMatch(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  if (!pattern.includes('*') && !pattern.includes('?')) return false;
  const re = new RegExp(
    '^' +
      pattern
        .split('')
        .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('') +
      '$',
  );
  return re.test(subject);
}

function underGlob(subject: string, dirPattern: string): boolean {
  if (!dirPattern.includes('*') && !dirPattern.includes('?')) return isSameOrUnder(subject, dirPattern);
  const depth = dirPattern.split('/').length;
  const prefix = subject.split('/').slice(0, depth).join('/');
  return globMatch(dirPattern, prefix);
}
