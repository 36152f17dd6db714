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
}

export interface ExclusionExporter {
  export(items: readonly ExportableExclusion[], options?: ExportOptions): ExportResult;
}
