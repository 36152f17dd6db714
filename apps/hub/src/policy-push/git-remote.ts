/**
 * Git remotes a policy target may name, and how they are shown. Only URL
 * forms with an explicit scheme: `https://`, `ssh://` and (when the hub allows
 * local repositories) `file://`. scp-like `host:path`, `ext::` and other
 * transports are refused here and, again, by GIT_ALLOW_PROTOCOL when git runs.
 */
export type GitScheme = 'https' | 'ssh' | 'file';

export interface GitRemote {
  scheme: GitScheme;
  /** The URL git is given (may carry credentials). */
  url: string;
  /** The URL without password or token: stored in clear, shown to admins, used in errors. */
  display: string;
  /** Host name to check against the outbound address policy (not for file://). */
  host?: string;
  hasCredentials: boolean;
}

export function parseGitRemote(raw: string, allowLocal: boolean): GitRemote | { problem: string } {
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return { problem: 'must not contain spaces or control characters' };
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { problem: 'not a URL (use https://, ssh:// or file://; scp-like host:path is not accepted)' };
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (u.search || u.hash) return { problem: 'must not have a query or fragment' };
  if (scheme === 'file') {
    if (!allowLocal) return { problem: 'file:// remotes are refused unless FLEETTUNE_POLICY_GIT_ALLOW_LOCAL=1' };
    if (u.host && u.host !== 'localhost') return { problem: 'a file:// URL names no host' };
    if (!u.pathname.startsWith('/') || u.pathname.split('/').includes('..')) return { problem: 'a file:// URL needs an absolute path without ..' };
    return { scheme, url: raw, display: raw, hasCredentials: false };
  }
  if (scheme !== 'https' && scheme !== 'ssh') return { problem: 'must be an https://, ssh:// or file:// URL' };
  if (!u.hostname || u.hostname.startsWith('-')) return { problem: 'needs a host' };
  if (u.pathname.length < 2) return { problem: 'needs a repository path' };
  if (scheme === 'ssh' && u.password) return { problem: 'ssh:// URLs carry no password (the hub uses its ssh keys)' };
  const shown = new URL(raw);
  shown.password = '';
  if (scheme === 'https') shown.username = '';
  return { scheme, url: raw, display: shown.toString(), host: u.hostname, hasCredentials: Boolean(u.password || (scheme === 'https' && u.username)) };
}

/** Replaces every occurrence of the secret URL and its password in git's output. */
export function redactRemote(text: string, remote: { url: string; display: string }): string {
  let out = text.split(remote.url).join(remote.display);
  try {
    const u = new URL(remote.url);
    for (const part of [u.password, decodeURIComponent(u.password), u.username, decodeURIComponent(u.username)]) {
      if (part.length >= 4) out = out.split(part).join('***');
    }
  } catch {
    /* not a URL: nothing more to hide */
  }
  return out;
}

/** A branch name git accepts and that cannot be read as an option or a refspec trick. */
export function branchProblem(branch: string): string | undefined {
  if (!/^[A-Za-z0-9._/-]{1,200}$/.test(branch)) return 'letters, digits, . _ / - only';
  if (branch.startsWith('-') || branch.startsWith('/') || branch.endsWith('/') || branch.endsWith('.') || branch.endsWith('.lock'))
    return 'not a valid branch name';
  if (branch.includes('..') || branch.includes('//') || branch.split('/').some((s) => s.startsWith('.'))) return 'not a valid branch name';
  return undefined;
}

/** A directory inside the repository: relative, no . or .. segments, nothing under .git. '' is the root. */
export function directoryProblem(dir: string): string | undefined {
  if (dir === '') return undefined;
  if (dir.length > 500 || !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(dir)) return 'a relative path of letters, digits, . _ - separated by /';
  if (dir.split('/').some((s) => s === '.' || s === '..' || s.toLowerCase() === '.git')) return 'no ., .. or .git segments';
  return undefined;
}
