import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The unpeppered SHA-256 digest older hubs stored for API tokens, agent
 * tokens and enrollment secrets. Still verified (TokenDigester.candidates),
 * and upgraded to the peppered digest when the credential is used; new rows
 * never get it. Specs use it to insert rows the way an older hub did.
 */
export function digestToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Digests of stored credentials: HMAC-SHA256 keyed with a server-side pepper
 * (FLEETTUNE_TOKEN_PEPPER, or derived from FLEETTUNE_SECRETS_KEY). Generated
 * tokens are 256-bit random and safe either way, but the bootstrap admin
 * token and enrollment secret are chosen by people (16 characters minimum);
 * with the pepper outside the database, a leaked table cannot be brute-forced
 * offline. A deterministic digest keeps lookups by index.
 */
export class TokenDigester {
  constructor(private readonly pepper: Buffer) {
    if (pepper.length < 16) throw new Error('the token pepper must be at least 16 bytes');
  }

  /** From the hub settings: the explicit pepper, else one derived (HKDF-SHA256) from the secrets key. */
  static fromConfig(c: { FLEETTUNE_TOKEN_PEPPER?: string; FLEETTUNE_SECRETS_KEY?: string }): TokenDigester {
    if (c.FLEETTUNE_TOKEN_PEPPER) return new TokenDigester(Buffer.from(c.FLEETTUNE_TOKEN_PEPPER, 'utf8'));
    if (!c.FLEETTUNE_SECRETS_KEY) throw new Error('FLEETTUNE_TOKEN_PEPPER or FLEETTUNE_SECRETS_KEY must be set (token digests are peppered)');
    const derived = hkdfSync('sha256', Buffer.from(c.FLEETTUNE_SECRETS_KEY, 'base64'), Buffer.alloc(0), 'fleettune token digest pepper v1', 32);
    return new TokenDigester(Buffer.from(derived));
  }

  digest(token: string): string {
    return createHmac('sha256', this.pepper).update(token, 'utf8').digest('hex');
  }

  /** The digests a stored credential may have: the peppered one, then the legacy one (upgrade it on use). */
  candidates(token: string): [peppered: string, legacy: string] {
    return [this.digest(token), digestToken(token)];
  }
}

export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
