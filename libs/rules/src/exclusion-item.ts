/**
 * The one recommendation shape shared by the engine, the hub and every
 * exporter. Exporters read only the fields in `ExportableExclusion`, so
 * approved items stored without evidence can be exported too.
 */
export type ExclusionType = 'path' | 'wildcard' | 'extension' | 'filename' | 'process' | 'audit-exe' | 'audit-dir';

export type RiskLevel = 'low' | 'medium' | 'high';

export type RiskFlag =
  /** Under a home, temp or per-user runtime directory: a user can put files there. */
  | 'user-writable'
  /** Under a sticky world-writable directory (/tmp, /var/tmp, /dev/shm, /Users/Shared): anyone can. */
  | 'world-writable'
  /** The exclusion covers a shell or interpreter (directly or as a child of an apply-to-children process). */
  | 'interpreter'
  /** The value holds `*` or `?`, so it matches more than one concrete path. */
  | 'wildcard-breadth'
  /** The item may be exported with MDE's global scope, which also mutes EDR events. */
  | 'global-scope'
  /** A process exclusion that also covers every child the process starts. */
  | 'apply-to-children'
  /** A whole directory tree rather than one file. */
  | 'directory'
  /** Every file with the extension, anywhere. */
  | 'extension-wide'
  /** A program in the OS's own or library trees (/usr/lib*, /lib*, /usr/libexec, /System...): code the OS trusts. */
  | 'system-tree'
  /**
   * A process item whose program file format no agent reported: confirm it is a Mach-O/ELF binary
   * before use (a `#!` script is never a process exclusion). Does not raise the level on its own.
   */
  | 'format-unconfirmed'
  /** Seen on fewer independent hosts than the fleet bar: a host-scoped suggestion, never a fleet item. */
  | 'few-hosts';

export interface ExclusionRisk {
  level: RiskLevel;
  flags: RiskFlag[];
}

export interface ExclusionEvidence {
  /** Hosts where the subject crossed its threshold in at least one window. */
  hosts: number;
  /**
   * Of those, independent witnesses when fewer (hosts enrolled in one burst from one secret or from one
   * address count once, host-independence.ts): this number, not `hosts`, is what minHosts is checked against.
   */
  independentHosts?: number;
  /** Denominator of prevalence: hosts that reported in the period (never fewer than hosts seen in the rows). */
  hostsReporting: number;
  /** hosts / hostsReporting, 0..1. */
  prevalence: number;
  /** Events over all hosts and windows. */
  totalCount: number;
  /** Largest count of one host in one evaluation window. */
  peakWindowCount: number;
  peakRatePerSecond: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /**
   * exec: the measure that carried the item on its busiest host (the most executions that pass
   * a bar): executions, over how many seconds of activity, and which bar ('rate': > 1/s over
   * at least 15 minutes; 'count': >= 1000 within 20 minutes).
   */
  execCount?: number;
  execSeconds?: number;
  execBar?: 'rate' | 'count';
  /** exec: hosts where the process ran in a burst (a short agent window over the burst rate). */
  burstHosts?: number;
  /** exec: highest rate in one short agent window, per second. */
  peakBurstRatePerSecond?: number;
  /** exec: length in seconds of the window that rate was measured in. */
  burstWindowSeconds?: number;
  /** extension/filename: distinct (generalized) directories and paths with busy files of this type. */
  directories?: number;
  distinctPaths?: number;
  /** scan: files Defender scanned for the process (fleet total) and its rank among processes by that count, 1 = most. */
  filesScanned?: number;
  scanRank?: number;
  /**
   * audit-dir: the one program that made at least `auditDirInitiatorShare` of the directory's
   * audit records, and its share; the auditd export then mutes that program in the directory
   * (`-F exe= -F dir=`, the MDE support tool's `-x`) rather than the whole directory.
   */
  auditInitiator?: string;
  auditInitiatorShare?: number;
  /** Up to 5 affected host ids, smallest first; ids that contain a per-host user name are left out. */
  sampleHostIds: string[];
}

export interface ExclusionItem {
  type: ExclusionType;
  /** Absolute path, wildcard pattern, `.ext` or file name, already generalized. */
  value: string;
  /** For path/wildcard/audit-dir: the value names a directory (tree) rather than a file. */
  isDirectory: boolean;
  /** Process user scope: `root` or a system account that is the same on every host; '' for any user. */
  user: string;
  applyToChildren: boolean;
  /** A full path without wildcards outside user-writable places; exporters add MDE `global` scope only for these, and only when asked. */
  globalScopeEligible: boolean;
  reason: string;
  risk: ExclusionRisk;
  evidence: ExclusionEvidence;
}

/** What an exporter needs from an item (of the evidence, only the auditd initiator). */
export type ExportableExclusion = Pick<ExclusionItem, 'type' | 'value' | 'isDirectory' | 'user' | 'applyToChildren' | 'globalScopeEligible' | 'reason'> & {
  evidence?: Pick<ExclusionEvidence, 'auditInitiator'>;
};

export interface RejectedSubject {
  /** The generalized path or pattern that was considered. */
  subject: string;
  why: string;
}

export interface RecommendationResult {
  items: ExclusionItem[];
  rejected: RejectedSubject[];
}
