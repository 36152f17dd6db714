import { baseName, extensionSuffixes, hasControlChars, hasWildcard, isAbsolutePath, isSameOrUnder, normalizePath } from '@fleettune/paths';
import { canonicalSystemPath, checkSystemTreePath, checkSystemTreeProcess } from './system-tree-policy';

export interface SafetyVerdict {
  allowed: boolean;
  /** Why the exclusion is refused; absent when allowed. */
  why?: string;
}

export type DeniedProgramKind = 'shell' | 'interpreter' | 'utility';

const SHELLS = ['sh', 'bash', 'rbash', 'zsh', 'dash', 'ksh', 'mksh', 'pdksh', 'csh', 'tcsh', 'fish', 'ash', 'busybox', 'nu', 'elvish', 'xonsh'];

/** Matched as whole names or with a version suffix (python3.11, perl5.34, ruby2.7, php8.2). */
const INTERPRETER_STEMS = [
  'python',
  'pypy',
  'perl',
  'ruby',
  'irb',
  'node',
  'nodejs',
  'deno',
  'bun',
  'java',
  'javaw',
  'jshell',
  'jrunscript',
  'osascript',
  'php',
  'lua',
  'luajit',
  'tclsh',
  'wish',
  'expect',
  'pwsh',
  'powershell',
  'rscript',
  'r',
  'swift',
  'groovy',
  'scala',
  'kotlin',
  'dotnet',
  'mono',
  'awk',
  'gawk',
  'mawk',
  'nawk',
  'sed',
  'gsed',
  'jq',
  'julia',
];

/** General utilities: any program can call them, so excluding them blinds the sensor to everything that does. */
const UTILITIES = [
  'grep',
  'egrep',
  'fgrep',
  'rg',
  'cat',
  'rm',
  'find',
  'id',
  'uname',
  'ls',
  'cp',
  'mv',
  'date',
  'true',
  'false',
  'env',
  'xargs',
  'sleep',
  'head',
  'tail',
  'cut',
  'sort',
  'uniq',
  'wc',
  'tr',
  'tee',
  'echo',
  'printf',
  'test',
  '[',
  'expr',
  'basename',
  'dirname',
  'readlink',
  'realpath',
  'stat',
  'touch',
  'mkdir',
  'rmdir',
  'chmod',
  'chown',
  'chgrp',
  'ln',
  'dd',
  'tar',
  'gzip',
  'gunzip',
  'zcat',
  'bzip2',
  'xz',
  'zip',
  'unzip',
  'ditto',
  'curl',
  'wget',
  'ssh',
  'scp',
  'sftp',
  'rsync',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'telnet',
  'sudo',
  'su',
  'doas',
  'pkexec',
  'launchctl',
  'systemctl',
  'kill',
  'pkill',
  'killall',
  'pgrep',
  'ps',
  'top',
  'which',
  'whoami',
  'hostname',
  'logger',
  'mktemp',
  'sync',
  'nohup',
  'timeout',
  'nice',
  'ionice',
  'time',
  'watch',
  'defaults',
  'plutil',
  'sw_vers',
  'sysctl',
  'ioreg',
  'system_profiler',
  'dscl',
  'scutil',
  'security',
  'codesign',
  'spctl',
  'csrutil',
  'diskutil',
  'hdiutil',
  'installer',
  'mount',
  'umount',
  'ifconfig',
  'ip',
  'ss',
  'netstat',
  'lsof',
  'openssl',
  'base64',
  'md5',
  'md5sum',
  'shasum',
  'sha1sum',
  'sha256sum',
  'od',
  'xxd',
  'hexdump',
  'strings',
  'file',
  'less',
  'more',
  'vi',
  'vim',
  'nano',
  'crontab',
  'at',
  'install',
  'patch',
  'diff',
  'cmp',
  'open',
  'script',
  'screen',
  'tmux',
  'nsenter',
  'chroot',
  'setsid',
  'runuser',
  'start-stop-daemon',
  'getent',
  'groups',
  'tput',
  'stty',
  'seq',
  'yes',
  'awk',
  'dirname',
  'uptime',
  'df',
  'du',
  'free',
  'pwd',
  'tty',
  'run-parts',
  'flock',
  'git',
  'make',
  'gcc',
  'cc',
  'clang',
  'ld',
  'as',
];

/** MDE "common exclusion mistakes" plus script and package types of macOS and Linux. */
const DENIED_EXTENSIONS = [
  '.7z',
  '.bat',
  '.bin',
  '.cab',
  '.cmd',
  '.com',
  '.cpl',
  '.dll',
  '.exe',
  '.fla',
  '.gif',
  '.gz',
  '.hta',
  '.inf',
  '.java',
  '.jar',
  '.job',
  '.jpeg',
  '.jpg',
  '.js',
  '.ko',
  '.ko.gz',
  '.msi',
  '.ocx',
  '.png',
  '.ps1',
  '.py',
  '.rar',
  '.reg',
  '.scr',
  '.sys',
  '.tar',
  '.tmp',
  '.url',
  '.vbe',
  '.vbs',
  '.wsf',
  '.zip',
  '.sh',
  '.bash',
  '.zsh',
  '.command',
  '.pl',
  '.rb',
  '.php',
  '.app',
  '.pkg',
  '.dmg',
  '.so',
  '.dylib',
  '.deb',
  '.rpm',
  '.scpt',
  '.applescript',
  '.xz',
  '.bz2',
  '.tgz',
  '.iso',
  '.elf',
  '.kext',
  '.plist',
  '.mjs',
  '.cjs',
  '.lua',
  '.jsx',
  // Executable or loadable code of other kinds: compiled bytecode, native add-ons, self-running packages, launchers.
  '.pyc',
  '.pyo',
  '.class',
  '.war',
  '.ear',
  '.node',
  '.wasm',
  '.appimage',
  '.run',
  '.out',
  '.o',
  '.a',
  '.desktop',
  '.service',
  '.timer',
  '.mobileconfig',
  '.xpi',
  '.crx',
  '.lnk',
  '.psm1',
  '.ts',
  '.tsx',
  '.ksh',
  '.csh',
  '.tcl',
  '.fish',
  '.bundle',
  '.framework',
  '.prefpane',
  '.mpkg',
  '.docm',
  '.xlsm',
  '.pptm',
  '.doc',
  '.xls',
  '.pdf',
  '.html',
  '.htm',
  '.svg',
];

/** Script files: they run under an interpreter, and process exclusions only hold for binaries (Cisco: Mach-O only). */
const SCRIPT_EXTENSIONS = new Set([
  '.sh',
  '.bash',
  '.zsh',
  '.ksh',
  '.command',
  '.py',
  '.pl',
  '.rb',
  '.js',
  '.mjs',
  '.cjs',
  '.php',
  '.scpt',
  '.applescript',
  '.lua',
  '.tcl',
  '.ps1',
]);

/**
 * Directories too broad to exclude as a whole, or with a bare wildcard below
 * them; a specific path inside them is still allowed.
 */
const DENIED_FOLDERS = [
  '/',
  '/bin',
  '/sbin',
  '/usr',
  '/usr/bin',
  '/usr/sbin',
  '/usr/lib',
  '/usr/lib64',
  '/usr/lib32',
  '/usr/libexec',
  '/usr/local',
  '/usr/local/lib',
  '/usr/share',
  '/lib',
  '/lib64',
  '/lib32',
  '/etc',
  '/tmp',
  '/var',
  '/var/tmp',
  '/var/lib',
  '/var/run',
  '/var/spool',
  '/opt',
  '/home',
  '/home/*',
  '/Users',
  '/Users/*',
  '/Users/Shared',
  '/root',
  '/private',
  '/private/tmp',
  '/private/var',
  '/private/var/tmp',
  '/private/etc',
  '/private/var/folders',
  '/private/var/folders/*',
  '/private/var/folders/*/*',
  '/private/var/folders/*/*/T',
  '/private/var/folders/*/*/C',
  '/run',
  '/run/user',
  '/run/user/*',
  '/dev',
  '/dev/shm',
  '/proc',
  '/sys',
  '/boot',
  '/System',
  '/Library',
  '/Applications',
  '/Volumes',
  '/mnt',
  '/media',
  '/srv',
  '/snap',
  '/usr/local/Cellar',
  '/opt/homebrew',
  '/home/*/Downloads',
  '/Users/*/Downloads',
  '/home/*/Desktop',
  '/Users/*/Desktop',
  '/Users/*/Documents',
  '/home/*/Documents',
  '/Users/*/Library',
  '/home/*/.local',
  '/home/*/.cache',
  '/Users/*/Library/Caches',
  '/Users/*/Library/Application Support',
];

/**
 * Nothing at or under these may be excluded: binaries live there, or they are
 * where malware persists or finds credentials.
 */
const DENIED_SUBTREES = [
  '/bin',
  '/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/usr/local/bin',
  '/usr/local/sbin',
  '/opt/homebrew/bin',
  '/Library/LaunchAgents',
  '/Library/LaunchDaemons',
  '/System/Library/LaunchDaemons',
  '/System/Library/LaunchAgents',
  '/Users/*/Library/LaunchAgents',
  '/etc/cron.d',
  '/etc/cron.daily',
  '/etc/cron.hourly',
  '/etc/cron.weekly',
  '/etc/cron.monthly',
  '/etc/crontab',
  '/var/spool/cron',
  '/etc/systemd',
  '/etc/init.d',
  '/etc/rc.local',
  '/etc/profile.d',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/etc/ld.so.preload',
  '/etc/pam.d',
  '/etc/ssh',
  '/root/.ssh',
  '/home/*/.ssh',
  '/Users/*/.ssh',
  '/home/*/.config/autostart',
  '/home/*/.config/systemd',
  '/etc/passwd',
  '/etc/shadow',
  '/Library/StartupItems',
  '/Library/Security',
  '/Library/Extensions',
  '/usr/lib/systemd',
  '/lib/systemd',
  '/home/*/.local/bin',
  '/home/*/bin',
  '/Users/*/bin',
  '/Library/Application Support/com.apple.TCC',
];

/** Sticky world-writable directories: any local account can create files (and binaries) in them. */
export const WORLD_WRITABLE_DIRS = ['/tmp', '/var/tmp', '/private/tmp', '/private/var/tmp', '/dev/shm', '/Users/Shared', '/run/lock', '/var/lock'];

/** Places a user (not only root) can write. */
export const USER_WRITABLE_DIRS = [...WORLD_WRITABLE_DIRS, '/home', '/Users', '/private/var/folders', '/run/user'];

/**
 * The safety gate every recommendation passes. Wildcards in values are
 * matched literally against the lists: `/home/*` in the list refuses the
 * generalized `/home/*` itself.
 */
export class ExclusionSafetyPolicy {
  private readonly shells = new Set(SHELLS);
  private readonly utilities: Set<string>;
  // A one-letter stem (R) takes only version digits: `r` + ABI letter would make `rm` an interpreter.
  private readonly interpreterPattern = new RegExp(
    `^(?:(?:${INTERPRETER_STEMS.filter((x) => x.length > 1)
      .map(escapeRegExp)
      .join('|')})[0-9._-]*[mtw]?|(?:${INTERPRETER_STEMS.filter((x) => x.length === 1)
      .map(escapeRegExp)
      .join('|')})[0-9._-]*)$`,
    'i',
  );
  private readonly deniedFolders: Set<string>;
  private readonly deniedFoldersCanonical: Set<string>;
  private readonly deniedExtensions: Set<string>;

  constructor(extra: { deniedProcessNames?: string[]; deniedFolders?: string[]; deniedExtensions?: string[] } = {}) {
    this.utilities = new Set([...UTILITIES, ...(extra.deniedProcessNames ?? [])]);
    this.deniedFolders = new Set([...DENIED_FOLDERS, ...(extra.deniedFolders ?? []).map(normalizePath)]);
    this.deniedFoldersCanonical = new Set([...this.deniedFolders].map(canonicalSystemPath));
    this.deniedExtensions = new Set([...DENIED_EXTENSIONS, ...(extra.deniedExtensions ?? []).map((e) => e.toLowerCase())]);
  }

  /** Classifies a program as a shell, interpreter or general utility, by its file name. */
  deniedProgramKind(path: string): DeniedProgramKind | undefined {
    const name = baseName(path);
    if (this.shells.has(name)) return 'shell';
    if (this.interpreterPattern.test(name)) return 'interpreter';
    if (this.utilities.has(name) || this.utilities.has(name.toLowerCase())) return 'utility';
    return undefined;
  }

  checkProcess(path: string): SafetyVerdict {
    const basic = this.checkWellFormed(path);
    if (!basic.allowed) return basic;
    const p = normalizePath(path);
    const kind = this.deniedProgramKind(p);
    if (kind === 'shell') return deny(`${baseName(p)} is a shell; excluding it creates a large blind spot (exclude the program that runs it)`);
    if (kind === 'interpreter') return deny(`${baseName(p)} is an interpreter; excluding it would exclude every script it runs`);
    if (kind === 'utility') return deny(`${baseName(p)} is a general utility that any program may call`);
    if (/\.app$/i.test(p)) return deny('an .app bundle is not an executable; use the Mach-O binary in Contents/MacOS/');
    const script = extensionSuffixes(p).find((e) => SCRIPT_EXTENSIONS.has(e));
    if (script) return deny(`a ${script} script runs under an interpreter; process exclusions only hold for binaries`);
    const canon = canonicalSystemPath(p);
    if (WORLD_WRITABLE_DIRS.some((d) => isSameOrUnder(p, d) || isSameOrUnder(canon, canonicalSystemPath(d)))) {
      return deny('any local account can place a program at this path (world-writable directory)');
    }
    const name = baseName(p);
    if (name.replace(/[*?]/g, '') === '') return deny('a wildcard program name would exclude any program in the directory');
    if (firstSegmentIsWildcard(p)) return deny('a wildcard at the top level matches too much');
    const system = checkSystemTreeProcess(p);
    if (!system.allowed) return deny(system.why);
    return ALLOWED;
  }

  checkPath(path: string, isDirectory: boolean): SafetyVerdict {
    const basic = this.checkWellFormed(path);
    if (!basic.allowed) return basic;
    const p = normalizePath(path);
    if (firstSegmentIsWildcard(p)) return deny('a wildcard at the top level matches too much');
    // `/tmp/*` is `/tmp` in all but name, and `/var/*/` is still all of /var's subdirectories.
    const covered = p.replace(/(\/[*?]+)+$/, '') || '/';
    // Compared canonically too: /private/etc is /etc on macOS, and its file system ignores case.
    const canon = canonicalSystemPath(p);
    const canonCovered = canonicalSystemPath(covered);
    if ((this.deniedFolders.has(covered) || this.deniedFoldersCanonical.has(canonCovered)) && (isDirectory || covered !== p)) {
      return deny(`${covered} is too broad to exclude as a whole`);
    }
    const subtree = DENIED_SUBTREES.find((d) => {
      const cd = canonicalSystemPath(d);
      return isSameOrUnder(p, d) || isSameOrUnder(canon, cd) || (hasWildcard(p) && (isSameOrUnder(d, covered) || isSameOrUnder(cd, canonCovered)));
    });
    if (subtree) return deny(`${subtree} holds binaries, persistence or credentials and must stay scanned`);
    if (WORLD_WRITABLE_DIRS.includes(covered) || WORLD_WRITABLE_DIRS.some((d) => canonicalSystemPath(d) === canonCovered)) {
      return deny(`${covered} is world-writable; exclude a specific name inside it`);
    }
    const system = checkSystemTreePath(p, isDirectory);
    if (!system.allowed) return deny(system.why);
    return ALLOWED;
  }

  checkExtension(extension: string): SafetyVerdict {
    const ext = extension.toLowerCase();
    if (!/^\.[a-z0-9_~-]{1,16}(\.[a-z0-9_~-]{1,16})?$/.test(ext)) return deny('not a plain file extension (a dot followed by letters or digits)');
    if (this.deniedExtensions.has(ext) || SCRIPT_EXTENSIONS.has(ext)) {
      return deny(`${ext} is on the never-exclude extension list (executable, script, archive or image type)`);
    }
    return ALLOWED;
  }

  /**
   * A file name excluded in every directory: malware can take the name, so
   * no name of a program we refuse, no executable or script type, and no
   * name so short or generic that ordinary files share it.
   */
  checkFileName(name: string): SafetyVerdict {
    if (hasControlChars(name)) return deny('contains control characters (newline, tab...)');
    if (name === '' || name === '.' || name === '..' || name.includes('/')) return deny('not a plain file name');
    if (hasWildcard(name)) return deny('a file-name exclusion takes one literal name, not a pattern');
    if (name.length < 4 || name.length > 255) return deny('too short to be specific (or longer than NAME_MAX)');
    const kind = this.deniedProgramKind(name);
    if (kind) return deny(`${name} is also the name of a ${kind}; a file of that name anywhere would go unscanned`);
    if (/\.app$/i.test(name)) return deny('an .app bundle name');
    const bad = extensionSuffixes(name).find((e) => this.deniedExtensions.has(e) || SCRIPT_EXTENSIONS.has(e));
    if (bad) return deny(`${bad} is on the never-exclude extension list (executable, script, archive or image type)`);
    return ALLOWED;
  }

  private checkWellFormed(path: string): SafetyVerdict {
    if (hasControlChars(path)) return deny('contains control characters (newline, tab...)');
    if (!isAbsolutePath(path)) return deny('not a full absolute path; exclusions by bare name match anywhere');
    if (/(^|\/)\.\.?(\/|$)/.test(path)) return deny('contains . or .. segments; exclusions must be real paths');
    return ALLOWED;
  }
}

const ALLOWED: SafetyVerdict = Object.freeze({ allowed: true });

function deny(why: string): SafetyVerdict {
  return { allowed: false, why };
}

function firstSegmentIsWildcard(p: string): boolean {
  const first = p.split('/')[1] ?? '';
  return hasWildcard(first);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
