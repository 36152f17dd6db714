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

/**
 * The hub accepts only DNS host names (letters, digits, inner hyphens; labels of 1-63 joined by dots;
 * at most 253 characters) and refuses anything else. OS host names can hold more (`my_box`, a
 * macOS "Jane's MacBook Pro"), so the agent reports the nearest DNS name: other characters become
 * hyphens, hyphen runs collapse, labels are trimmed to 63, the name to 253.
 */
export function dnsHostName(name: string): string {
  const labels = name
    .trim()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split('.')
    .map((l) =>
      l
        .replace(/[^A-Za-z0-9-]+/g, '-')
        .replace(/-{2,}/g, '-')
        .slice(0, 63)
        .replace(/^-+|-+$/g, ''),
    )
    .filter((l) => l.length > 0);
  let out = labels.join('.');
  while (out.length > 253) out = out.slice(0, out.lastIndexOf('.'));
  return out || 'host';
}
