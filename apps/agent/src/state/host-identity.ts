import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * A stable id for this machine as the hub should see it. The hostname is
 * mixed in so that `--hostname` simulations on one machine are distinct hosts.
 */
export function machineIdFor(hostname: string): string {
  let base = '';
  for (const f of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      base = fs.readFileSync(f, 'utf8').trim();
      if (base) break;
    } catch {
      /* try the next one */
    }
  }
  if (!base) base = os.hostname();
  return createHash('sha256').update(`${base}\u0000${hostname}`).digest('hex').slice(0, 32);
}

export function platformOs(): 'linux' | 'darwin' {
  return process.platform === 'darwin' ? 'darwin' : 'linux';
}
