/**
 * Glob matching without regular expressions and without backtracking.
 *
 * `*` matches any run of characters and `?` exactly one, both within one
 * path level when a separator is given (as in MDE and Cisco exclusions);
 * every other character is literal. A `*` in the subject (a generalized user,
 * `/home/*\/...`) is an ordinary character: the pattern's `*` or `?` matches it.
 *
 * Why not a RegExp: a wildcard the engine generates from numbered siblings
 * (`/opt/cache/*g*g*g…*.dat`) turned into `[^/]*g[^/]*g…` backtracks
 * exponentially: 34 s for one 55-character path, on the hub's only event loop.
 *
 * How: a pattern level splits at its stars into chunks (literals and `?`).
 * The first chunk must match at the start, the last at the end, and each
 * middle chunk is taken at its leftmost position after the previous one.
 * Leftmost is always safe because a star can absorb anything in between, so
 * no choice is ever revisited. The search position only moves forward, so
 * the work is at most (subject length) x (chunk length) per chunk: in all
 * O(|pattern| x |subject|) character comparisons, whatever the number of stars.
 */

export interface GlobOptions {
  /** `*` and `?` never match this character, and levels must pair up one to one. Default '/'; null = none. */
  separator?: string | null;
}

export interface GlobMatchResult {
  matched: boolean;
  /** Character comparisons made: at most (|pattern| + 1) x (|subject| + 1). */
  steps: number;
}

export function hasGlobWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

export function globMatch(pattern: string, subject: string, options: GlobOptions = {}): boolean {
  return globMatchCounted(pattern, subject, options).matched;
}

/** The same as globMatch, also saying how much work it took (for tests and bounds). */
export function globMatchCounted(pattern: string, subject: string, options: GlobOptions = {}): GlobMatchResult {
  const counter = { steps: 0 };
  const sep = options.separator === undefined ? '/' : options.separator;
  if (sep === null || sep === '') return { matched: matchLevel(pattern, subject, counter), steps: counter.steps };
  const pLevels = pattern.split(sep);
  const sLevels = subject.split(sep);
  if (pLevels.length !== sLevels.length) return { matched: false, steps: counter.steps };
  for (let i = 0; i < pLevels.length; i++) {
    if (!matchLevel(pLevels[i], sLevels[i], counter)) return { matched: false, steps: counter.steps };
  }
  return { matched: true, steps: counter.steps };
}

/** Whether `chunk` (literals and `?`) matches `s` at `at`; the chunk must fit. */
function chunkAt(chunk: string, s: string, at: number, counter: { steps: number }): boolean {
  if (at < 0 || at + chunk.length > s.length) return false;
  for (let k = 0; k < chunk.length; k++) {
    counter.steps++;
    const c = chunk.charCodeAt(k);
    if (c !== 63 /* ? */ && c !== s.charCodeAt(at + k)) return false;
  }
  return true;
}

function matchLevel(pattern: string, s: string, counter: { steps: number }): boolean {
  const chunks = pattern.split('*');
  if (chunks.length === 1) {
    counter.steps++;
    return pattern.length === s.length && chunkAt(pattern, s, 0, counter);
  }
  const first = chunks[0];
  const last = chunks[chunks.length - 1];
  // The literal head and tail must not overlap: `a*a` does not match `a`.
  if (first.length + last.length > s.length) return false;
  if (!chunkAt(first, s, 0, counter)) return false;
  if (!chunkAt(last, s, s.length - last.length, counter)) return false;
  let pos = first.length;
  const end = s.length - last.length;
  for (let c = 1; c < chunks.length - 1; c++) {
    const chunk = chunks[c];
    if (chunk.length === 0) continue; // `**` is one star
    let found = -1;
    for (let at = pos; at + chunk.length <= end; at++) {
      counter.steps++;
      if (chunkAt(chunk, s, at, counter)) {
        found = at;
        break;
      }
    }
    if (found < 0) return false;
    pos = found + chunk.length;
  }
  return true;
}
