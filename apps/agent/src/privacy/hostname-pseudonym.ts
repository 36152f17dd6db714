import { createHmac, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../state/atomic-file';

export const HOSTNAME_KEY_FILE = 'hostname.key';

/**
 * The key of --redact-hostname: 32 random bytes made once per state dir
 * (mode 0600, like the credentials). Keyed, so the hub (or anyone reading its
 * database) cannot hash a list of likely host names and compare; stable, so
 * the host keeps one name across restarts.
 */
export function hostnameKey(stateDir: string): Buffer {
  const file = path.join(stateDir, HOSTNAME_KEY_FILE);
  try {
    const hex = fs.readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} is not a 32-byte hex key; remove it to make a new one (the host then gets a new name)`);
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
    return Buffer.from(hex, 'hex');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(32);
  writeFileAtomic(file, key.toString('hex') + '\n', 0o600);
  return key;
}

/** `host-` and 16 hex digits of HMAC-SHA256(key, host name in lower case): what the hub sees instead of the name. */
export function pseudonymousHostname(key: Buffer, hostname: string): string {
  return 'host-' + createHmac('sha256', key).update(hostname.toLowerCase()).digest('hex').slice(0, 16);
}
