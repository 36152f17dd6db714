import { normalizePath } from './path-parts';

export interface GeneralizedPath {
  /** The path with every per-user component replaced by `*`. */
  path: string;
  /** The per-host user name (or uid) that was removed, when one was. */
  removedUser?: string;
}

/**
 * Rewrites per-user locations so one exclusion covers every host:
 * `/home/alice/x` and `/home/bob/x` both become `/home/*\/x`.
 *
 * The `*` stays within one path level in MDE and Cisco (>= 1.15.2), which is
 * exactly the width of a user-name segment, so nothing wider is excluded.
 */
export class UsernameGeneralizer {
  /**
   * macOS keeps these directories under /Users but they are shared by all
   * users, so they are the same on every host and must stay literal.
   */
  private static readonly SHARED_MAC_HOMES = new Set(['Shared', '.localized']);

  /** Replaces user names only when at least this long inside other segments. */
  constructor(private readonly minEmbeddedNameLength = 3) {}

  /**
   * @param alsoHide user names known for this path (e.g. the process user on
   *   the host that reported it, or every local account seen on that host);
   *   their occurrences elsewhere in the path are replaced too, so
   *   `/var/mail/alice` and `/var/tmp/cache/alice/x` do not leak `alice`.
   *
   * Written with index arithmetic rather than split/join: the hub runs it on
   * millions of rows per job.
   */
  generalize(rawPath: string, alsoHide?: string | readonly string[]): GeneralizedPath {
    let path = rawPath;
    if (path.includes('//') || (path.length > 1 && path.endsWith('/'))) path = normalizePath(path);
    // The Data-volume firmlink is the same file as the path without it; fold it so both spellings group together.
    if (path.startsWith(DATA_VOLUME)) path = path.slice(DATA_VOLUME.length - 1);
    let removedUser: string | undefined;
    // Text before this index is structural (`/home/*`), never user data.
    let hideFrom = 1;

    if (path.startsWith('/home/')) {
      [path, removedUser, hideFrom] = starSegmentAt(path, 6);
    } else if (path.startsWith('/Users/')) {
      if (!UsernameGeneralizer.SHARED_MAC_HOMES.has(segmentFrom(path, 7))) [path, removedUser, hideFrom] = starSegmentAt(path, 7);
    } else if (path.startsWith('/run/user/')) {
      [path, removedUser, hideFrom] = starSegmentAt(path, 10);
    } else if (path.startsWith('/var/folders/') || path.startsWith(MAC_TEMP)) {
      // /var is a symlink to /private/var on macOS; MDE matches real paths only, so emit the real one.
      if (path.startsWith('/var/')) path = '/private' + path;
      let next: number;
      [path, , next] = starSegmentAt(path, MAC_TEMP.length);
      [path, , hideFrom] = starSegmentAt(path, next + 1);
    }

    if (removedUser !== undefined) path = this.hideEmbedded(path, removedUser, hideFrom);
    if (typeof alsoHide === 'string') {
      if (alsoHide !== removedUser) path = this.hideEmbedded(path, alsoHide, hideFrom);
    } else if (alsoHide !== undefined) {
      // Longest first, so `alice` inside `alice.smith` does not leave `*.smith` half-hidden.
      const names = alsoHide.length > 1 ? [...alsoHide].sort((a, b) => b.length - a.length) : alsoHide;
      for (const name of names) if (name !== removedUser) path = this.hideEmbedded(path, name, hideFrom);
    }
    return removedUser === undefined ? { path } : { path, removedUser };
  }

  /** Convenience for callers that only need the string. */
  generalizePath(rawPath: string, alsoHide?: string | readonly string[]): string {
    return this.generalize(rawPath, alsoHide).path;
  }

  /**
   * Any text (an audit key, a host name) with every occurrence of these names
   * replaced by `*`, by the same rules as inside paths: whole `/`-segments
   * always, embedded only for names of at least `minEmbeddedNameLength`.
   */
  hideNames(text: string, names: readonly string[]): string {
    const sorted = names.length > 1 ? [...names].sort((a, b) => b.length - a.length) : names;
    let out = text;
    for (const name of sorted) out = this.hideEmbedded(out, name, 0);
    return out;
  }

  private hideEmbedded(path: string, name: string, fromIndex: number): string {
    if (name === '' || name === '*' || name === 'root' || path.indexOf(name, fromIndex) < 0 || isDigits(name)) return path;
    const head = path.slice(0, fromIndex);
    const parts = path.slice(fromIndex).split('/');
    for (let i = 0; i < parts.length; i++) {
      const seg = parts[i];
      if (seg === name) parts[i] = '*';
      // split/join is a literal replace-all; the name may hold regex metacharacters.
      // Very short names would shred unrelated words, so they are replaced only as whole segments.
      else if (name.length >= this.minEmbeddedNameLength && seg.includes(name)) {
        parts[i] = seg
          .split(name)
          .join('*')
          .replace(/\*{2,}/g, '*');
      }
    }
    return head + parts.join('/');
  }
}

const DATA_VOLUME = '/System/Volumes/Data/';
const MAC_TEMP = '/private/var/folders/';

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return s.length > 0;
}

function segmentFrom(path: string, start: number): string {
  const end = path.indexOf('/', start);
  return path.slice(start, end < 0 ? path.length : end);
}

/**
 * Replaces the segment starting at `start` with `*`. Returns the new path,
 * the removed segment (undefined when empty) and the index just after the `*`.
 */
function starSegmentAt(path: string, start: number): [string, string | undefined, number] {
  const seg = segmentFrom(path, start);
  if (seg === '') return [path, undefined, start];
  return [path.slice(0, start) + '*' + path.slice(start + seg.length), seg, start + 1];
}
