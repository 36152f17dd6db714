import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Tokens and enrollment secrets are random and long, so a fast unsalted
 * SHA-256 is enough to keep them useless if the table leaks, and it lets us
 * look a token up by its digest instead of scanning.
 */
export function digestToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
