import { isSystemAccount, LocalAccount } from './local-accounts';
import { isSameOrUnder, parentDir } from './path-parts';
import { UsernameGeneralizer } from './username-generalizer';

/** The user class a person's account becomes under `--redact-users`. */
export const REDACTED_LOCAL_USER = 'local';
/** Prefix of the user class of a system or service account (`system:www-data`). */
export const REDACTED_SYSTEM_PREFIX = 'system:';

/**
 * True for a user field the agent already redacted. `:` cannot be part of a
 * POSIX account name (it separates the fields of /etc/passwd), so
 * `system:<name>` never collides with a real account; `local` stands for a
 * person whatever their name was.
 */
export function isRedactedUserClass(user: string): boolean {
  return user === REDACTED_LOCAL_USER || user.startsWith(REDACTED_SYSTEM_PREFIX);
}

/** `system:www-data` -> `www-data`; undefined for anything else. */
export function redactedSystemName(user: string): string | undefined {
  return user.startsWith(REDACTED_SYSTEM_PREFIX) ? user.slice(REDACTED_SYSTEM_PREFIX.length) : undefined;
}

/**
 * The agent's privacy mode (issue 18), applied on the host before anything is
 * spooled: per-user path segments become `*` exactly as the hub's engine would
 * generalize them (same UsernameGeneralizer, so the recommendations do not
 * change), and user fields become a class: `local` for a person,
 * `system:<name>` for root, system and service accounts, which are the same on
 * every host and which the process-exclusion User field needs.
 *
 * Names of people come from the local account database (every account that is
 * not a system account) and from user fields seen in the data (a directory
 * user absent from /etc/passwd is a person too): `learnUser` before redacting
 * the paths of the same window, so `/var/tmp/cache/alice/` is hidden even where
 * no rule knows that tree.
 */
export class UserPathRedactor {
  private readonly byName = new Map<string, LocalAccount>();
  private readonly byUid = new Map<number, LocalAccount>();
  private readonly people = new Set<string>();
  private peopleList: string[] | undefined;
  /** Homes of people outside /home and /Users (e.g. /srv/staff/jdoe), whose last segment is per-user. */
  private readonly otherHomes: string[] = [];
  private readonly realNameParts = new Set<string>();

  constructor(
    accounts: readonly LocalAccount[],
    private readonly systemUidMax: number,
    private readonly generalizer = new UsernameGeneralizer(),
  ) {
    for (const a of accounts) {
      if (!this.byName.has(a.name)) this.byName.set(a.name, a);
      if (!this.byUid.has(a.uid)) this.byUid.set(a.uid, a);
      if (isSystemAccount(a, systemUidMax)) continue;
      this.people.add(a.name);
      const home = a.home?.replace(/\/+$/, '');
      if (home && home.lastIndexOf('/') > 0 && !/^\/(home|Users)\//.test(home)) {
        this.otherHomes.push(home);
      }
      for (const part of (a.realName ?? '').split(/[\s,.'’-]+/)) if (part.length >= 3) this.realNameParts.add(part.toLowerCase());
    }
    // Deepest first, so a home inside another person's home is matched by its own rule.
    this.otherHomes.sort((x, y) => y.length - x.length);
  }

  /** Names of the people known so far (account database + learned), for tests and logs: never sent. */
  get personNames(): readonly string[] {
    return (this.peopleList ??= [...this.people]);
  }

  /** Registers the name in a user field as a person when it is not a system account. */
  learnUser(user: string): void {
    if (user === '' || isRedactedUserClass(user) || /^-?\d+$/.test(user) || this.people.has(user)) return;
    if (this.userClass(user) !== REDACTED_LOCAL_USER) return;
    this.people.add(user);
    this.peopleList = undefined;
  }

  /**
   * `local` or `system:<name>` for a user name or numeric uid; '' stays ''
   * (unknown). A uid that does not resolve is a system uid below the
   * threshold (kept as `system:<uid>`, which names no one) and a person above.
   */
  userClass(user: string): string {
    if (user === '' || isRedactedUserClass(user)) return user;
    if (/^-?\d+$/.test(user)) {
      const uid = Number(user);
      const a = this.byUid.get(uid);
      if (a) return this.classOf(a);
      return uid >= 0 && uid < this.systemUidMax ? REDACTED_SYSTEM_PREFIX + user : REDACTED_LOCAL_USER;
    }
    const a = this.byName.get(user);
    if (a) return this.classOf(a);
    // root and macOS daemons (`_`-named) are system everywhere; any other unknown name (LDAP, AD) is taken for a person.
    return user === 'root' || user.startsWith('_') ? REDACTED_SYSTEM_PREFIX + user : REDACTED_LOCAL_USER;
  }

  /** A path with every per-user part replaced by `*` (`/home/alice/x` -> `/home/*\/x`). */
  redactPath(path: string): string {
    if (path === '') return path;
    let p = path;
    for (const home of this.otherHomes) {
      if (isSameOrUnder(p, home)) {
        p = parentDir(home) + '/*' + p.slice(home.length);
        break;
      }
    }
    const names = this.personNames;
    // Relative paths (audit PATH records without a CWD) have no structural head to keep.
    if (!p.startsWith('/')) return names.length ? this.generalizer.hideNames(p, names) : p;
    return this.generalizer.generalize(p, names).path;
  }

  /**
   * Free text that may embed a person's name (an audit rule key such as
   * `alice_cache`) or paths (a warning naming its input file): every
   * whitespace-separated word that is a path is redacted as a path, and
   * people's names are hidden in the rest.
   */
  redactText(text: string): string {
    if (!text) return text;
    const names = this.personNames;
    return text
      .split(/(\s+)/)
      .map((word) => (word.startsWith('/') ? this.redactPath(word) : names.length ? this.generalizer.hideNames(word, names) : word))
      .join('');
  }

  /**
   * A host name without people's names in it (`alices-macbook-pro` ->
   * `users-macbook-pro`): macOS names hosts after their owner by default. Host
   * names are case-insensitive, so the match is too; a name with nothing to
   * hide is returned as it was.
   */
  redactHostname(hostname: string): string {
    const lower = hostname.toLowerCase();
    const names = [...this.personNames.map((n) => n.toLowerCase()), ...this.realNameParts];
    const hidden = names.length ? this.generalizer.hideNames(lower, names) : lower;
    // `*` is not valid in a DNS name (the hub refuses it): a hidden name reads `user`.
    return hidden === lower ? hostname : hidden.replace(/\*/g, 'user');
  }

  private classOf(a: LocalAccount): string {
    return isSystemAccount(a, this.systemUidMax) ? REDACTED_SYSTEM_PREFIX + a.name : REDACTED_LOCAL_USER;
  }
}
