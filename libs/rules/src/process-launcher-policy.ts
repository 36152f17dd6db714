import { baseName, normalizePath } from '@fleettune/paths';

/**
 * Why a program is an OS launcher. The Cisco guide allows a parent as a
 * process exclusion "if and only if, the parent process can be safely made
 * into a process exclusion", on a path that "uniquely identifies the
 * application". A launcher starts every application of the machine, so
 * excluding it (with children) would exclude them all: it is never an item,
 * on macOS or Linux, whatever its own noise.
 */
export type LauncherKind = 'init or launcher' | 'session, login or privilege daemon' | 'privilege wrapper' | 'container runtime' | 'terminal';

const LAUNCHER_NAMES: Readonly<Record<LauncherKind, readonly string[]>> = {
  'init or launcher': [
    'launchd',
    'xpcproxy',
    'systemd',
    'init',
    'upstart',
    'runit',
    'runsv',
    'runsvdir',
    'runit-init',
    's6-svscan',
    's6-supervise',
    'openrc',
    'openrc-init',
    'supervisord',
    'tini',
    'dumb-init',
    'cron',
    'crond',
    'anacron',
    'atd',
    'cronie',
    'fcron',
    'busybox-crond',
    'dbus-daemon',
    'dbus-broker',
    'dbus-broker-launch',
    'systemd-run',
    'systemd-executor',
    'launchservicesd',
    'inetd',
    'xinetd',
  ],
  'session, login or privilege daemon': [
    'sshd',
    'sshd-session',
    'sshd-auth',
    'login',
    'loginwindow',
    'polkitd',
    'polkit-agent-helper-1',
    'gdm',
    'gdm3',
    'gdm-session-worker',
    'gdm-wayland-session',
    'gdm-x-session',
    'lightdm',
    'sddm',
    'sddm-helper',
    'xdm',
    'kdm',
    'systemd-logind',
    'getty',
    'agetty',
    'mingetty',
    'xinit',
    'startx',
    'gnome-session',
    'gnome-session-binary',
    'gnome-shell',
    'plasmashell',
    'ksmserver',
    'authorizationhost',
  ],
  // Run by the application that wants privileges (jamf -> sudo -> date): never items, but a parent
  // walk passes through them to that application, as it passes through a shell.
  'privilege wrapper': ['sudo', 'su', 'doas', 'pkexec', 'runuser', 'sudo-rs', 'su-rs', 'setpriv', 'run0', 'gosu', 'su-exec'],
  'container runtime': [
    'containerd',
    'dockerd',
    'runc',
    'crun',
    'youki',
    'crio',
    'cri-o',
    'conmon',
    'podman',
    'kubelet',
    'lxc-start',
    'catatonit',
    'buildkitd',
    'com.docker.backend',
    'com.docker.vmnetd',
  ],
  terminal: [
    'Terminal',
    'iTerm2',
    'iTerm',
    'gnome-terminal',
    'gnome-terminal-server',
    'konsole',
    'xterm',
    'uxterm',
    'tmux',
    'screen',
    'alacritty',
    'kitty',
    'wezterm',
    'wezterm-gui',
    'terminator',
    'xfce4-terminal',
    'mate-terminal',
    'tilix',
    'urxvt',
    'rxvt',
    'lxterminal',
    'qterminal',
    'foot',
    'ghostty',
    'Hyper',
    'Warp',
    'tabby',
    'ptyxis',
  ],
};

/** Name prefixes of launcher families with versioned names (containerd-shim-runc-v2, containerd-shim-kata-v2). */
const LAUNCHER_PREFIXES: readonly [string, LauncherKind][] = [['containerd-shim', 'container runtime']];

/** macOS terminal applications by bundle, whatever the binary inside is called. */
const TERMINAL_BUNDLES = /\/(Terminal|iTerm|iTerm2|Alacritty|kitty|WezTerm|Hyper|Warp|Ghostty|Tabby)\.app\/Contents\/MacOS\//i;

export interface LauncherVerdict {
  kind: LauncherKind;
  why: string;
}

/**
 * Recognizes init, launchers, session/login/privilege daemons, container
 * runtimes and terminals by file name (case-insensitive on macOS names such
 * as `Terminal`), plus configured extra names.
 */
export class ProcessLauncherPolicy {
  private readonly byName = new Map<string, LauncherKind>();

  constructor(extraNames: readonly string[] = []) {
    for (const [kind, names] of Object.entries(LAUNCHER_NAMES) as [LauncherKind, readonly string[]][]) {
      for (const n of names) this.byName.set(n.toLowerCase(), kind);
    }
    for (const n of extraNames) if (n.trim()) this.byName.set(n.trim().toLowerCase(), 'init or launcher');
  }

  kindOf(path: string): LauncherKind | undefined {
    const p = normalizePath(path);
    if (TERMINAL_BUNDLES.test(p)) return 'terminal';
    const name = baseName(p).toLowerCase();
    const kind = this.byName.get(name);
    if (kind) return kind;
    return LAUNCHER_PREFIXES.find(([prefix]) => name.startsWith(prefix))?.[1];
  }

  /** Refusal of the launcher as an item of its own (noisy by executions, files scanned or audit records). */
  checkItem(path: string): LauncherVerdict | undefined {
    const kind = this.kindOf(path);
    if (!kind) return undefined;
    return {
      kind,
      why: `${path} refused (OS launcher: ${kind}): it starts other applications, so excluding it would exclude them too; exclude the noisy program it starts instead`,
    };
  }

  /** A parent walk stops at a launcher, but passes through a privilege wrapper to the program that ran it. */
  endsParentWalk(kind: LauncherKind): boolean {
    return kind !== 'privilege wrapper';
  }

  /**
   * Refusal of the launcher reached by a parent walk, naming the child it
   * started (the highest program of the walk below it). `childRefusal` is
   * why that child cannot be the item either (a shell running a script):
   * then the admin must find the job's own program.
   */
  parentRefusal(launcher: string, kind: LauncherKind, child: string, childRefusal?: string): string {
    const instead = childRefusal
      ? `the child it starts, ${child}, cannot be excluded either (${childRefusal}): exclude the job's own program or script path instead`
      : `exclude the child ${child} instead`;
    return `${launcher} refused (OS launcher: ${kind}): ${instead}`;
  }
}
