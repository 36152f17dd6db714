/**
 * Small, allocation-light helpers for POSIX paths as security agents report
 * them. They never touch the file system: a recommendation is computed on the
 * hub, far from the hosts where the paths exist.
 */

/** Collapses repeated slashes and drops a trailing slash (except for `/`). */
export function normalizePath(path: string): string {
  let p = path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/');
}

/** Last path segment; '' for `/`. */
export function baseName(path: string): string {
  const p = normalizePath(path);
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Directory containing `path`; `/` for top-level entries, '' for bare names. */
export function parentDir(path: string): string {
  const p = normalizePath(path);
  const i = p.lastIndexOf('/');
  if (i < 0) return '';
  return i === 0 ? '/' : p.slice(0, i);
}

/**
 * Last extension of the file name, lower-cased and with its dot (`.log`), or
 * '' when there is none. Dot files (`.bashrc`) have no extension: the dot
 * starts the name, as MDE and Cisco both treat it.
 */
export function extensionOf(path: string): string {
  const name = baseName(path);
  const i = name.lastIndexOf('.');
  if (i <= 0 || i === name.length - 1) return '';
  return name.slice(i).toLowerCase();
}

/**
 * All dotted suffixes of the name, longest first (`a.ko.gz` -> `.ko.gz`,
 * `.gz`), so deny-lists can hold compound extensions.
 */
export function extensionSuffixes(path: string): string[] {
  const name = baseName(path).toLowerCase();
  const out: string[] = [];
  for (let i = name.indexOf('.', 1); i > 0 && i < name.length - 1; i = name.indexOf('.', i + 1)) {
    out.push(name.slice(i));
  }
  return out;
}

/** True when the value holds a glob character the exclusion products interpret. */
export function hasWildcard(path: string): boolean {
  return path.includes('*') || path.includes('?');
}

/** True when `path` is `dir` itself or lies below it. */
export function isSameOrUnder(path: string, dir: string): boolean {
  if (dir === '/') return path.startsWith('/');
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

/** True for ASCII control characters (including newline, tab, DEL) and the Unicode line separators. */
export function hasControlChars(value: string): boolean {
  return /[\u0000-\u001f\u007f\u0085\u2028\u2029]/.test(value);
}
