import { UserPathRedactor } from '@fleettune/paths';
import { hostnameKey, pseudonymousHostname } from './hostname-pseudonym';
import { LoadAccountsOptions, loadLocalAccounts } from './local-account-database';

import { envFlag, REDACT_HOSTNAME_ENV, REDACT_USERS_ENV } from './privacy-env';

export { envFlag, REDACT_HOSTNAME_ENV, REDACT_USERS_ENV } from './privacy-env';

export interface PrivacyFlags {
  redactUsers?: boolean;
  redactHostname?: boolean;
  accountsFile?: string;
}

/**
 * The redactor of --redact-users (or FLEETTUNE_REDACT_USERS=1), built from the
 * local account database; undefined when the mode is off. What it could not
 * read is logged, and redaction still applies (home trees, unknown names
 * taken for people).
 */
export function userRedactorFor(o: PrivacyFlags, log: (msg: string) => void, accounts: LoadAccountsOptions = {}): UserPathRedactor | undefined {
  if (!(o.redactUsers || envFlag(REDACT_USERS_ENV))) return undefined;
  const db = loadLocalAccounts({ ...accounts, accountsFile: o.accountsFile ?? accounts.accountsFile });
  const redactor = new UserPathRedactor(db.accounts, db.systemUidMax);
  if (db.problem)
    log(`--redact-users: cannot read the account database (${db.origin}: ${db.problem}); redacting from home-directory shapes and user fields only`);
  else
    log(
      `--redact-users: ${db.accounts.length} accounts from ${db.origin}, ${redactor.personNames.length} of them people; their names and home directories stay on this host`,
    );
  return redactor;
}

/**
 * The host name the hub is told: a keyed hash with --redact-hostname, else
 * the name without people's names in it when users are redacted
 * (`alices-macbook-pro` -> `*s-macbook-pro`), else the name.
 */
export function reportedHostname(hostname: string, o: PrivacyFlags, stateDir: string, redactor: UserPathRedactor | undefined): string {
  if (o.redactHostname || envFlag(REDACT_HOSTNAME_ENV)) return pseudonymousHostname(hostnameKey(stateDir), hostname);
  return redactor ? redactor.redactHostname(hostname) : hostname;
}
