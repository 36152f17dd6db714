import { isRedactedUserClass, REDACTED_LOCAL_USER, redactedSystemName } from '@fleettune/paths';

export type UserClass = 'root' | 'system' | 'local' | 'unknown';

/**
 * Decides whether a process user can be kept in a fleet-wide exclusion.
 * root, `_`-prefixed macOS daemons and low-uid service accounts are the same
 * account on every host; anything else is a person's local account, whose
 * name differs per host (Cisco: leave User blank then).
 */
export class UserScopeClassifier {
  private readonly systemUsers: Set<string>;

  constructor(
    systemUsers: Iterable<string>,
    private readonly systemUidMax: number,
  ) {
    this.systemUsers = new Set(systemUsers);
  }

  classify(user: string | undefined, uid?: number): UserClass {
    const u = user ?? '';
    // Classes from an agent in privacy mode (--redact-users): it looked the account up on its host.
    const redactedSystem = redactedSystemName(u);
    if (redactedSystem !== undefined) return redactedSystem === 'root' ? 'root' : 'system';
    if (u === REDACTED_LOCAL_USER) return 'local';
    if (u === 'root' || uid === 0 || u === '0') return 'root';
    if (u === '' && uid === undefined) return 'unknown';
    if (u.startsWith('_')) return 'system';
    const numeric = /^\d+$/.test(u) ? Number(u) : undefined;
    const effectiveUid = uid ?? numeric;
    if (effectiveUid !== undefined && effectiveUid < this.systemUidMax) return 'system';
    if (u !== '' && numeric === undefined && this.systemUsers.has(u) && (uid === undefined || uid < this.systemUidMax)) return 'system';
    return u === '' ? 'unknown' : 'local';
  }

  /**
   * The per-host name of a person's account, to hide wherever it appears;
   * undefined for root, system accounts, unknown users and the `local` class
   * a redacting agent sends (a class, not a name: hiding it would mangle
   * /usr/local).
   */
  localName(user: string | undefined, uid?: number): string | undefined {
    if (!user || isRedactedUserClass(user)) return undefined;
    return this.classify(user, uid) === 'local' ? user : undefined;
  }

  /**
   * The user name an exclusion may carry for this row: root, or a named
   * system account. Numeric uids are blank because Cisco's User field takes
   * a name, and a uid that does not resolve would make the rule match nothing.
   */
  scopeFor(user: string | undefined, uid?: number): string {
    const c = this.classify(user, uid);
    if (c === 'root') return 'root';
    const redactedSystem = redactedSystemName(user ?? '');
    if (redactedSystem !== undefined) return /^\d+$/.test(redactedSystem) ? '' : redactedSystem;
    if (c === 'system' && user && !/^\d+$/.test(user)) return user;
    return '';
  }
}
