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
   * @param alsoHide a user name known for this path (e.g. the process user on
   *   the host that reported it); its occurrences elsewhere in the path are
   *   replaced too, so `/var/mail/alice` does not leak `alice`.
   */
  generalize(rawPath: string, alsoHide?: string): GeneralizedPath {
    let path = normalizePath(rawPath);
    const dataPrefix = '/System/Volumes/Data';
    // The Data-volume firmlink is the same file as the path without it; fold it so both spellings group together.
    if (path.startsWith(dataPrefix + '/')) path = path.slice(dataPrefix.length);
    let removedUser: string | undefined;
    // Segments before this index are structural (`/home/*`), never user data.
    let hideFrom = 2;

    if (path.startsWith('/home/')) {
      ({ path, removedUser } = replaceSegment(path, 2));
      hideFrom = 3;
    } else if (path.startsWith('/Users/')) {
      const seg = segmentAt(path, 2);
      if (!UsernameGeneralizer.SHARED_MAC_HOMES.has(seg)) ({ path, removedUser } = replaceSegment(path, 2));
      hideFrom = 3;
    } else if (path.startsWith('/run/user/')) {
      ({ path, removedUser } = replaceSegment(path, 3));
      hideFrom = 4;
    } else if (path.startsWith('/var/folders/') || path.startsWith('/private/var/folders/')) {
      // /var is a symlink to /private/var on macOS; MDE matches real paths only, so emit the real one.
      if (path.startsWith('/var/')) path = '/private' + path;
      path = replaceSegment(replaceSegment(path, 4).path, 5).path;
      hideFrom = 6;
    }

    const hide = [removedUser, alsoHide].filter(
      (u): u is string => !!u && u !== '*' && u !== 'root' && !/^\d+$/.test(u),
    );
    for (const name of hide) path = this.hideEmbedded(path, name, hideFrom);
    return removedUser === undefined ? { path } : { path, removedUser };
  }

  /** Convenience for callers that only need the string. */
  generalizePath(rawPath: string, alsoHide?: string): string {
    return this.generalize(rawPath, alsoHide).path;
  }

  private hideEmbedded(path: string, name: string, fromIndex: number): string {
    if (!path.includes(name)) return path;
    const parts = path.split('/');
    for (let i = fromIndex; i < parts.length; i++) {
      const seg = parts[i];
      if (seg === name) parts[i] = '*';
      // split/join is a literal replace-all; the name may hold regex metacharacters.
      // Very short names would shred unrelated words, so they are replaced only as whole segments.
      else if (name.length >= this.minEmbeddedNameLength && seg.includes(name)) {
        parts[i] = collapseStars(seg.split(name).join('*'));
      }
    }
    return parts.join('/');
  }
}

function segmentAt(path: string, index: number): string {
  return path.split('/', index + 1)[index] ?? '';
}

/** Replaces the `index`-th segment (split on `/`, so index 1 is the first name) with `*`. */
function replaceSegment(path: string, index: number): GeneralizedPath {
  const parts = path.split('/');
  if (parts.length <= index || parts[index] === '') return { path };
  const removed = parts[index];
  parts[index] = '*';
  return { path: parts.join('/'), removedUser: removed };
}

function collapseStars(path: string): string {
  return path.replace(/\*{2,}/g, '*');
}
