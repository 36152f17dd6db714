import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Which column a sealed value belongs to: bound into the ciphertext, so a value cannot be moved to another column. */
export type SecretPurpose = 'policy_targets.secret' | 'alert_channels.secret' | 'alert_channels.url';

const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {}

/**
 * Credentials the hub must read back (webhook signing secrets, Slack URLs)
 * are stored as AES-256-GCM ciphertext: `enc:v1:<base64url(iv | tag | ciphertext)>`,
 * a fresh 96-bit IV per value, the column name as additional data. The key
 * (FLEETTUNE_SECRETS_KEY) lives in the hub's environment, not in the
 * database, so a database dump or backup alone does not reveal them.
 * Values written by older hubs are plaintext; `open` returns them as they are
 * until the start-up migration (SecretsAtRestMigration) has sealed them.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(keyBase64: string | undefined) {
    if (!keyBase64) throw new SecretBoxError('FLEETTUNE_SECRETS_KEY is not set: generate one with `openssl rand -base64 32` and keep it outside the database');
    this.key = Buffer.from(keyBase64, 'base64');
    if (this.key.length !== 32) throw new SecretBoxError('FLEETTUNE_SECRETS_KEY must be 32 bytes, base64');
  }

  static isSealed(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  seal(plaintext: string, purpose: SecretPurpose): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(purpose, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url');
  }

  /** The plaintext of a sealed value (a legacy plaintext value is returned as is). Throws on a wrong key or a tampered value. */
  open(stored: string, purpose: SecretPurpose): string {
    if (!SecretBox.isSealed(stored)) return stored;
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError(`sealed ${purpose} is truncated`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(purpose, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(`cannot open a sealed ${purpose}: wrong FLEETTUNE_SECRETS_KEY or a tampered value`);
    }
  }
}
