/**
 * Thresholds from the vendors' tuning guides, every one overridable per job.
 */
export interface RecommendationConfig {
  /** Evaluation window; Cisco's guide judges 15-20 minutes of activity. */
  windowMinutes: number;
  /** A path is a candidate at this many events on one host in one window (Cisco: "average 1000 hits"). */
  pathWindowThreshold: number;
  /**
   * A process is a candidate on a host executed more often than this per second over its
   * capture span (Cisco: "at a rate greater than once per second"), judged per host over
   * adjacent bins, not per clock-aligned block (exec-rate-judge.ts).
   */
  execPerSecondThreshold: number;
  /** A rate is judged only over at least this many minutes of activity (Cisco: run "for at least 15-20 minutes"). */
  execMinSpanMinutes: number;
  /** Or: at least this many executions within `windowMinutes` (Cisco: "1000 hits or more" in a "15-20 minute period"). */
  execCountThreshold: number;
  /**
   * Cisco: "executed more than once per second, or in bursts". A process whose
   * executions in one short agent window average more than this per second is
   * a burst candidate, even when its 20-minute average is below once per second.
   */
  burstPerSecondThreshold: number;
  /** Only agent windows up to this long (seconds) count as bursts; longer ones average bursts away. */
  burstWindowMaxSeconds: number;
  /** Fewest executions in that short window for a burst (a handful in a 1 s window is not noise). */
  burstMinCount: number;
  /** Lower bar for log and journal files, which Cisco calls suitable candidates whenever written often. */
  logWindowThreshold: number;
  /** Name endings that make a file a log/journal (`-journal` covers SQLite rollback journals). */
  logFileSuffixes: string[];
  /** auditd records per window for an initiator or directory to be a candidate. */
  auditWindowThreshold: number;
  /**
   * An audit-dir item whose records come at least this share (0..1] from one initiator is
   * exported as that initiator in that directory (MDE support tool's `-x exe dir`), not the whole directory.
   */
  auditDirInitiatorShare: number;
  /**
   * Files Defender scanned for one process on one host in one window
   * (real-time-protection-statistics) for the process to be a candidate.
   */
  scanWindowThreshold: number;
  /** MDE's high_cpu_parser.py lists the top processes by files scanned: only this many are recommended. */
  maxScanProcesses: number;
  /**
   * Events per host and window over all files with one extension (or one file
   * name) for an extension (file-name) item; log/journal extensions use
   * `logWindowThreshold` when lower, as log files do.
   */
  extensionWindowThreshold: number;
  /** Fewest distinct directories holding busy files of one extension: fewer is a path or wildcard item, not an extension. */
  extensionMinDirectories: number;
  filenameWindowThreshold: number;
  /** Fewest distinct directories in which one file name recurs for a file-name item. */
  filenameMinDirectories: number;
  /** Extension and file-name items exclude a type of file everywhere: they need this many hosts over threshold (at least `minHosts`). */
  familyMinHosts: number;
  /** Fewest hosts over threshold for a recommendation. */
  minHosts: number;
  /** Smallest share of reporting hosts over threshold, 0..1. */
  minPrevalence: number;
  /** Fewest same-shaped siblings (chunk-1.tmp, chunk-2.tmp...) before they become one wildcard. */
  minGroupSize: number;
  /** How far up the parent chain to look for a safe process when the noisy one is a utility. */
  maxParentDepth: number;
  /** Recommendations beyond this rank are reported as rejected. */
  maxItems: number;
  /** uids below this are system accounts (macOS starts local users at 501, many Linux distros at 1000). */
  systemUidMax: number;
  /** Names that are the same account on every host, so a process exclusion may keep them as its user. */
  systemUsers: string[];
  extraDeniedProcessNames: string[];
  extraDeniedFolders: string[];
  extraDeniedExtensions: string[];
  /** More program names treated as OS launchers (never items; a parent walk stops at them): site-specific supervisors. */
  extraLauncherNames: string[];
}

export const DEFAULT_RECOMMENDATION_CONFIG: Readonly<RecommendationConfig> = Object.freeze({
  windowMinutes: 20,
  pathWindowThreshold: 1000,
  execPerSecondThreshold: 1,
  execMinSpanMinutes: 15,
  execCountThreshold: 1000,
  burstPerSecondThreshold: 5,
  burstWindowMaxSeconds: 300,
  burstMinCount: 100,
  logWindowThreshold: 200,
  logFileSuffixes: ['.log', '.journal', '.journal~', '-journal', '.jnl'],
  auditWindowThreshold: 1000,
  auditDirInitiatorShare: 0.9,
  scanWindowThreshold: 1000,
  maxScanProcesses: 20,
  extensionWindowThreshold: 1000,
  extensionMinDirectories: 5,
  filenameWindowThreshold: 1000,
  filenameMinDirectories: 3,
  familyMinHosts: 2,
  minHosts: 2,
  minPrevalence: 0,
  minGroupSize: 3,
  maxParentDepth: 4,
  maxItems: 500,
  systemUidMax: 500,
  systemUsers: [
    'root',
    'daemon',
    'bin',
    'sys',
    'adm',
    'lp',
    'mail',
    'news',
    'uucp',
    'proxy',
    'www-data',
    'backup',
    'list',
    'irc',
    'nobody',
    'messagebus',
    'syslog',
    'polkitd',
    'sshd',
    'chrony',
    'ntp',
    'postfix',
    'nginx',
    'apache',
    'mysql',
    'postgres',
    'redis',
    'systemd-network',
    'systemd-resolve',
    'systemd-timesync',
    'systemd-journal',
    'dbus',
    'avahi',
    'colord',
    'rtkit',
    'tss',
    'mdatp',
  ],
  extraDeniedProcessNames: [],
  extraDeniedFolders: [],
  extraDeniedExtensions: [],
  extraLauncherNames: [],
});

export function resolveRecommendationConfig(partial: Partial<RecommendationConfig> = {}): RecommendationConfig {
  const cfg: RecommendationConfig = { ...DEFAULT_RECOMMENDATION_CONFIG, ...stripUndefined(partial) };
  const positive: (keyof RecommendationConfig)[] = [
    'windowMinutes',
    'pathWindowThreshold',
    'execPerSecondThreshold',
    'execMinSpanMinutes',
    'execCountThreshold',
    'logWindowThreshold',
    'auditWindowThreshold',
    'burstPerSecondThreshold',
    'burstWindowMaxSeconds',
    'burstMinCount',
    'scanWindowThreshold',
    'maxScanProcesses',
    'extensionWindowThreshold',
    'extensionMinDirectories',
    'filenameWindowThreshold',
    'filenameMinDirectories',
    'familyMinHosts',
  ];
  for (const k of positive) {
    const v = cfg[k] as number;
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new RangeError(`${k} must be a positive number`);
  }
  if (!(cfg.minPrevalence >= 0 && cfg.minPrevalence <= 1)) throw new RangeError('minPrevalence must be within 0..1');
  if (!(cfg.auditDirInitiatorShare > 0 && cfg.auditDirInitiatorShare <= 1)) throw new RangeError('auditDirInitiatorShare must be within (0, 1]');
  if (!(cfg.minHosts >= 1)) throw new RangeError('minHosts must be at least 1');
  return cfg;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
