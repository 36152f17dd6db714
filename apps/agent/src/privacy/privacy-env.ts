/**
 * The privacy settings' environment names and how a flag is read: what a
 * command needs to declare its options, without loading the redaction code
 * and the account database readers (privacy-mode.ts), which a `report`
 * without --redact-users never runs.
 */
export const REDACT_USERS_ENV = 'FLEETTUNE_REDACT_USERS';
export const REDACT_HOSTNAME_ENV = 'FLEETTUNE_REDACT_HOSTNAME';
/** Replaces /etc/passwd (or dscl on macOS) as the account database: a simulated host's own, or a directory export. */
export const ACCOUNTS_FILE_ENV = 'FLEETTUNE_ACCOUNTS_FILE';

/**
 * A boolean setting from the environment: 1/true/yes on, 0/false/no/empty off,
 * anything else an error (a typo must not silently send user names).
 */
export function envFlag(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env[name] ?? '').trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(v)) return false;
  throw new Error(`${name}=${env[name]} is not a boolean (use 1 or 0)`);
}
