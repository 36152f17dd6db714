/**
 * The host's local account database as the agent's privacy mode needs it:
 * which names are people (their names must not leave the host) and which are
 * system or service accounts (the same on every host, and needed by the
 * process-exclusion User field).
 */
export interface LocalAccount {
  name: string;
  uid: number;
  /** Home directory, when the database gives one. */
  home?: string;
  /** Login shell, when the database gives one. */
  shell?: string;
  /** Full name (passwd GECOS / dscl RealName), when known: it can appear in host names. */
  realName?: string;
}

export interface ParsedAccounts {
  accounts: LocalAccount[];
  skippedLines: number;
}

/**
 * First uid of a person's account: Linux distributions start people at 1000
 * (login.defs UID_MIN), macOS at 501 (500 and below are daemons).
 */
export const LINUX_SYSTEM_UID_MAX = 1000;
export const MAC_SYSTEM_UID_MAX = 500;

const NO_LOGIN_SHELLS = new Set(['/usr/sbin/nologin', '/sbin/nologin', '/bin/false', '/usr/bin/false', '/usr/bin/nologin']);

/**
 * A system or service account: a low uid, a shell that cannot log in, or a
 * macOS daemon name (`_spotlight`). Such accounts exist on every host under
 * the same name and are not a person.
 */
export function isSystemAccount(a: Pick<LocalAccount, 'name' | 'uid' | 'shell'>, systemUidMax: number): boolean {
  if (a.uid < systemUidMax) return true; // includes root (0) and macOS nobody (-2)
  if (a.name.startsWith('_')) return true;
  return a.shell !== undefined && NO_LOGIN_SHELLS.has(a.shell);
}

/**
 * Parses /etc/passwd (`name:x:uid:gid:gecos:home:shell`). Comments, NIS
 * `+`/`-` lines and malformed lines are counted as skipped, never fatal.
 */
export function parsePasswd(text: string): ParsedAccounts {
  const accounts: LocalAccount[] = [];
  let skippedLines = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 7 || f[0] === '' || /^[+-]/.test(f[0]) || !/^-?\d{1,10}$/.test(f[2])) {
      skippedLines++;
      continue;
    }
    const realName = f[4].split(',')[0].trim();
    accounts.push({ name: f[0], uid: Number(f[2]), home: f[5] || undefined, shell: f[6] || undefined, ...(realName ? { realName } : {}) });
  }
  return { accounts, skippedLines };
}

/**
 * Parses `dscl . list /Users <Attribute>` output (`name<spaces>value` per
 * line) into name -> value. Used for UserShell, NFSHomeDirectory and
 * RealName; uids come from @fleettune/cisco's parseDsclUsers (UniqueID).
 */
export function parseDsclAttribute(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const m = /^(\S+)\s+(\S.*?)\s*$/.exec(raw);
    if (m && !out.has(m[1])) out.set(m[1], m[2]);
  }
  return out;
}
