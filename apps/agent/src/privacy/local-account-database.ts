import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { parseDsclUsers } from '@fleettune/cisco';
import { LINUX_SYSTEM_UID_MAX, LocalAccount, MAC_SYSTEM_UID_MAX, parseDsclAttribute, parsePasswd } from '@fleettune/paths';

export { ACCOUNTS_FILE_ENV } from './privacy-env';

export interface LocalAccountDatabase {
  accounts: LocalAccount[];
  /** uids below this are system accounts on this platform. */
  systemUidMax: number;
  /** Where the accounts came from, for the log. */
  origin: string;
  /** Why the database could not be read; the redactor then works from user fields and path shapes alone. */
  problem?: string;
}

export interface LoadAccountsOptions {
  /** A passwd-format file; default: /etc/passwd on Linux, dscl on macOS. */
  accountsFile?: string;
  platform?: NodeJS.Platform;
  /** Runs `dscl . list /Users <attribute>` (tests replace it). */
  dsclList?: (attribute: string) => string;
}

const runDscl = (attribute: string) =>
  execFileSync('dscl', ['.', 'list', '/Users', attribute], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20 });

/**
 * Reads the local account database once at start. macOS keeps accounts in
 * Directory Services, not /etc/passwd (which lists only a few daemons there):
 * `dscl . list /Users UniqueID|UserShell|NFSHomeDirectory|RealName` gives
 * them one `name value` line each (Apple, "Command-Line Administration",
 * user attributes: RecordName, UniqueID, UserShell, NFSHomeDirectory, RealName;
 * regular users start at uid 501).
 */
export function loadLocalAccounts(o: LoadAccountsOptions = {}): LocalAccountDatabase {
  const platform = o.platform ?? process.platform;
  const systemUidMax = platform === 'darwin' ? MAC_SYSTEM_UID_MAX : LINUX_SYSTEM_UID_MAX;
  if (platform === 'darwin' && !o.accountsFile) {
    const list = o.dsclList ?? runDscl;
    try {
      const { byUid } = parseDsclUsers(list('UniqueID'));
      const attr = (name: string) => {
        try {
          return parseDsclAttribute(list(name));
        } catch {
          return new Map<string, string>();
        }
      };
      const shells = attr('UserShell');
      const homes = attr('NFSHomeDirectory');
      const realNames = attr('RealName');
      const accounts: LocalAccount[] = [...byUid].map(([uid, name]) => ({
        name,
        uid,
        ...(shells.has(name) ? { shell: shells.get(name) } : {}),
        ...(homes.has(name) ? { home: homes.get(name) } : {}),
        ...(realNames.has(name) ? { realName: realNames.get(name) } : {}),
      }));
      return { accounts, systemUidMax, origin: 'dscl . list /Users' };
    } catch (err) {
      return { accounts: [], systemUidMax, origin: 'dscl . list /Users', problem: (err as Error).message.split('\n')[0] };
    }
  }
  const file = o.accountsFile ?? '/etc/passwd';
  try {
    return { accounts: parsePasswd(fs.readFileSync(file, 'utf8')).accounts, systemUidMax, origin: file };
  } catch (err) {
    return { accounts: [], systemUidMax, origin: file, problem: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
  }
}
