import { baseName, extensionSuffixes, hasWildcard, isSameOrUnder, normalizePath } from '@fleettune/paths';

/**
 * The part of the safety policy that leans to an allow-list: system trees,
 * libraries, web roots, shell start-up files and the shape of wildcards. A
 * deny-list of known-bad places missed macOS's `/private/etc`, `/usr/lib`
 * libraries, `/var/www` and `~/.bashrc` (security review, issue 13); here a
 * system tree is refused unless a place in it is named as safe.
 *
 * Paths are compared in canonical form: `/private/etc`, `/private/var` and
 * `/private/tmp` are macOS's real `/etc`, `/var` and `/tmp`, and APFS is
 * case-insensitive by default, so `/ETC/Sudoers` is `/etc/sudoers` there.
 * Items carry no OS, so every comparison is case-insensitive: on Linux that
 * only refuses more.
 */

/** macOS firmlinks/symlinks whose targets are the Linux-style names. */
const CANONICAL_PREFIXES: readonly [string, string][] = [
  ['/private/etc', '/etc'],
  ['/private/var', '/var'],
  ['/private/tmp', '/tmp'],
];

/** Lower-cased, `/private/etc` -> `/etc` (and var, tmp): the one form every deny/allow rule is written in. */
export function canonicalSystemPath(path: string): string {
  let p = normalizePath(path).toLowerCase();
  for (const [from, to] of CANONICAL_PREFIXES) {
    if (p === from || p.startsWith(from + '/')) {
      p = to + p.slice(from.length);
      break;
    }
  }
  return p;
}

/**
 * Code and configuration the OS runs or trusts: nothing in them is a path,
 * wildcard or directory exclusion unless listed in ALLOWED_IN_SYSTEM_TREES.
 * `/usr/lib*`, `/lib*` and `/usr/local/lib*` are matched by LIBRARY_TREE.
 */
const SYSTEM_TREES = [
  '/etc',
  '/bin',
  '/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/usr/share',
  '/usr/include',
  '/usr/local/bin',
  '/usr/local/sbin',
  '/usr/local/share',
  '/boot',
  '/system',
  '/usr/standalone',
  '/library/security',
  '/library/extensions',
  '/library/frameworks',
  '/library/launchagents',
  '/library/launchdaemons',
  '/library/startupitems',
  '/library/privilegedhelpertools',
  '/opt/homebrew/bin',
  '/opt/homebrew/sbin',
  '/opt/homebrew/lib',
  '/var/db/sudo',
  '/var/lib/dpkg',
  '/var/lib/rpm',
  '/var/spool/cron',
  '/var/at',
  '/var/root',
];

/** `/usr/lib`, `/usr/lib64`, `/usr/libexec`, `/lib`, `/lib32`, `/usr/local/lib`... */
const LIBRARY_TREE = /^\/(?:usr\/(?:local\/)?)?lib[^/]*(?:\/|$)/;

/** Places inside system trees that services rewrite all day and that hold no code. */
const ALLOWED_IN_SYSTEM_TREES = ['/etc/resolv.conf', '/etc/adjtime', '/etc/mtab'];

/** Document roots: a file a web server runs from there is a web shell's natural home. */
const WEB_ROOTS = [
  '/var/www',
  '/srv/www',
  '/srv/http',
  '/srv/htdocs',
  '/usr/share/nginx',
  '/usr/local/www',
  '/usr/local/apache2/htdocs',
  '/usr/local/nginx/html',
  '/opt/lampp/htdocs',
  '/library/webserver',
  '/home/*/public_html',
  '/users/*/sites',
  '/var/lib/tomcat*/webapps',
];

/** Server-side script types: a web server executes them (php5, phtml and friends included). */
const WEB_SCRIPT_EXTENSION = /^\.(?:php\d*|phtml|phar|pht|phps|inc|jsp|jspx|jspf|asp|aspx|ashx|asmx|cer|asa|cgi|fcgi|shtml|shtm|cfm|cfc|py|pl|rb|lua)$/;

/** Shell start-up files: whatever is written in them runs in every login or shell. */
const SHELL_STARTUP_FILES = new Set([
  '.bashrc',
  '.bash_profile',
  '.bash_login',
  '.bash_logout',
  '.profile',
  '.zshrc',
  '.zshenv',
  '.zprofile',
  '.zlogin',
  '.zlogout',
  '.cshrc',
  '.tcshrc',
  '.login',
  '.logout',
  '.kshrc',
  '.mkshrc',
  '.xprofile',
  '.xinitrc',
  '.xsession',
  '.xsessionrc',
  '.pam_environment',
  'config.fish',
  'bash.bashrc',
  'zshrc',
  'zprofile',
  'zshenv',
  'csh.cshrc',
  'csh.login',
  'profile',
  'environment',
  '.envrc',
]);

/** Loadable or executable code by file type: never excluded as a path, even one file (the extension deny-list for paths). */
const CODE_EXTENSIONS = new Set([
  '.so',
  '.dylib',
  '.ko',
  '.kext',
  '.exe',
  '.dll',
  '.sys',
  '.ocx',
  '.cpl',
  '.scr',
  '.jar',
  '.war',
  '.ear',
  '.class',
  '.pyc',
  '.pyo',
  '.node',
  '.wasm',
  '.appimage',
  '.run',
  '.elf',
  '.app',
  '.pkg',
  '.mpkg',
  '.dmg',
  '.deb',
  '.rpm',
  '.msi',
  '.bundle',
  '.framework',
  '.prefpane',
  '.mobileconfig',
  '.service',
  '.timer',
  '.socket',
  '.desktop',
  '.xpi',
  '.crx',
  '.lnk',
  '.sh',
  '.bash',
  '.zsh',
  '.ksh',
  '.csh',
  '.fish',
  '.command',
  '.tcl',
  '.js',
  '.mjs',
  '.cjs',
  '.ps1',
  '.psm1',
  '.bat',
  '.cmd',
  '.vbs',
  '.vbe',
  '.wsf',
  '.hta',
  '.scpt',
  '.applescript',
]);

/** `libc.so.6`, `libpam.so.0.85.1`, `libfoo.so`, `libfoo.dylib`, `libfoo.1.dylib`. */
const SHARED_LIBRARY = /(?:\.so(?:\.[0-9*]+)*|\.dylib)$/;

/** Wildcards are bounded: more stars than this in one name, or in the whole value, match too much (and cost the matcher). */
export const MAX_STARS_PER_SEGMENT = 2;
export const MAX_STARS_PER_VALUE = 4;

export type SystemTreeVerdict = { allowed: true } | { allowed: false; why: string };

const OK: SystemTreeVerdict = Object.freeze({ allowed: true });
const no = (why: string): SystemTreeVerdict => ({ allowed: false, why });

/** True when the canonical path lies in a system tree (including library trees) and not in an allowed place. */
export function isInSystemTree(path: string): boolean {
  const c = canonicalSystemPath(path);
  if (ALLOWED_IN_SYSTEM_TREES.some((a) => isSameOrUnder(c, a))) return false;
  return LIBRARY_TREE.test(c) || SYSTEM_TREES.some((t) => isSameOrUnder(c, t));
}

/** The system tree a path is in, for messages ('' when none). */
function systemTreeOf(c: string): string {
  const lib = LIBRARY_TREE.exec(c);
  if (lib) return lib[0].replace(/\/$/, '');
  return SYSTEM_TREES.find((t) => isSameOrUnder(c, t)) ?? '';
}

function webRootOf(c: string): string | undefined {
  const segs = c.split('/');
  return WEB_ROOTS.find((r) => {
    const rs = r.split('/');
    if (segs.length < rs.length) return false;
    return rs.every((s, i) => s === segs[i] || (s.endsWith('*') && !segs[i].includes('/') && segs[i].startsWith(s.slice(0, -1))));
  });
}

/**
 * Verdict for a path, wildcard or directory item (and audit directories).
 * Order: system trees (allow-listed places only), libraries, web roots and
 * server scripts, shell start-up files, code by extension, wildcard shape.
 */
export function checkSystemTreePath(path: string, isDirectory: boolean): SystemTreeVerdict {
  const c = canonicalSystemPath(path);
  const name = baseName(c);
  if (isInSystemTree(c)) {
    const tree = systemTreeOf(c);
    return no(`${tree} is a system tree (OS code, libraries or trusted configuration); only named places in it may be excluded`);
  }
  if (SHARED_LIBRARY.test(name)) return no(`${name} is a shared library: every program that loads it would load it unscanned`);
  const web = webRootOf(c);
  if (web) return no(`${web} is a web root: a file a web server runs from there is how web shells persist`);
  const ext = extensionSuffixes(c).find((e) => WEB_SCRIPT_EXTENSION.test(e));
  if (ext && !isDirectory) return no(`${ext} is a server-side script type a web server executes`);
  if (SHELL_STARTUP_FILES.has(name)) return no(`${name} is a shell start-up file: what is written there runs in every shell`);
  const code = extensionSuffixes(c).find((e) => CODE_EXTENSIONS.has(e));
  if (code && !isDirectory) return no(`${code} files are executable or loadable code; the extension deny-list applies to paths too`);
  return checkWildcardShape(c);
}

/**
 * Verdict for a program (process or audit initiator): a binary in a library
 * tree or the OS's own trees is refused by the rest of the policy or rated
 * high (see exclusion-risk.ts); here only what is never a program to exclude.
 */
export function checkSystemTreeProcess(path: string): SystemTreeVerdict {
  const c = canonicalSystemPath(path);
  const name = baseName(c);
  if (SHARED_LIBRARY.test(name)) return no(`${name} is a shared library, not a program`);
  const web = webRootOf(c);
  if (web) return no(`${web} is a web root: a program there is what a web shell drops`);
  if (SHELL_STARTUP_FILES.has(name)) return no(`${name} is a shell start-up file, not a program`);
  return checkWildcardShape(c);
}

/**
 * A wildcard has a bounded shape: few stars per name and per value, and a
 * literal directory that is not a system tree. A wildcard whose directory part
 * is only stars under a broad top (`/var/*\/x.log`) matches the whole tree.
 */
export function checkWildcardShape(path: string): SystemTreeVerdict {
  if (!hasWildcard(path)) return OK;
  const segs = normalizePath(path).split('/').slice(1);
  const stars = (s: string) => (s.match(/[*?]/g) ?? []).length;
  const busiest = segs.reduce((m, s) => Math.max(m, stars(s)), 0);
  if (busiest > MAX_STARS_PER_SEGMENT) return no(`a name with ${busiest} wildcards matches nearly anything (at most ${MAX_STARS_PER_SEGMENT})`);
  const total = segs.reduce((n, s) => n + stars(s), 0);
  if (total > MAX_STARS_PER_VALUE) return no(`${total} wildcards in one value match too much (at most ${MAX_STARS_PER_VALUE})`);
  const first = segs.findIndex((s) => hasWildcard(s));
  const literalDir = '/' + segs.slice(0, first).join('/');
  if (first < 1) return no('a wildcard needs a literal directory before it');
  if (isInSystemTree(literalDir)) return no(`${literalDir} is a system tree; a wildcard there covers OS files`);
  // Directory segments after the first wildcard: at least one must be literal, or the last literal
  // directory must be deep enough to be specific (two levels below the root).
  const dirsAfter = segs.slice(first, -1);
  const literalAfter = dirsAfter.some((s) => !hasWildcard(s));
  if (!literalAfter && first < 2 && dirsAfter.length > 0) return no(`${literalDir} with only wildcards below it matches the whole tree`);
  return OK;
}
