import { ExportableExclusion } from '@fleettune/rules';

export interface SkippedExclusion {
  item: ExportableExclusion;
  reason: string;
}

export interface ExportResult {
  content: string;
  skipped: SkippedExclusion[];
  /** Items written, but with less effect than the item asks for (the reason says what is missing). */
  partial?: SkippedExclusion[];
}

export interface ExportOptions {
  /**
   * MDE only: add the `global` scope to items that are eligible (full path,
   * no wildcard, not an extension). Off by default: global exclusions also
   * mute EDR and require the file to exist on every host.
   */
  useGlobalScope?: boolean;
  /**
   * The items were not all approved (`?include=all`): the file says so where its
   * format allows (unreviewed-marking.ts), so it cannot pass for a reviewed policy.
   */
  unreviewed?: boolean;
  /**
   * auditd only: directory rules also mute executions from the directory.
   * Off by default: the MDE support tool's `-d` removes "filesystem events
   * targeting this directory" and never excludes execve.
   */
  muteExecInDirectories?: boolean;
}

export interface ExclusionExporter {
  export(items: readonly ExportableExclusion[], options?: ExportOptions): ExportResult;
}
