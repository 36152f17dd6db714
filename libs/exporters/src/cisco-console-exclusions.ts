import type { ExportableExclusion } from '@fleettune/rules';
import { toCiscoExclusions } from './cisco-exclusion-mapping';
import { ConsoleItem, consoleItemKey } from './console-plan';

/**
 * One exclusion as the Cisco Secure Endpoint connector writes it with
 * `POST /v3/organizations/{org}/exclusion_sets/{guid}/exclusions`, and as it
 * reads one back (normalized to the same fields).
 *
 * The API's own values, not the console's labels (cisco-exclusion-mapping.ts
 * keeps those for the CSV/JSON exports): `exclusionType` is `path`,
 * `fileExtension`, `process` (also `executable`, `ioc`, `threat`, which
 * fleettune never writes); a wildcard is a `path` exclusion whose path holds
 * `*`; a process exclusion carries `process.{path, sha, user}` and its child
 * scope in `engineSettings.fileScan.{applyToEngine, applyToChildProcesses}`.
 * Sources: Cisco's API v3 samples, https://github.com/CiscoSecurity/amp-04-export-exclusions
 * (read shape) and the exclusion-set duplication sample built on it (write
 * shape: `process.user` "All Users", errors as `{"errors": [...]}`); Cisco doc
 * 214656 (process exclusions on macOS/Linux, `*` from connector 1.15.2).
 */
export interface CiscoConsoleExclusion {
  exclusionType: 'path' | 'fileExtension' | 'process';
  path?: string;
  fileExtension?: string;
  process?: { path: string; user: string };
  engineSettings?: { fileScan: { applyToEngine: boolean; applyToChildProcesses: boolean } };
}

/** Secure Endpoint's name for "every user" in a process exclusion (the duplication sample's value). */
export const CISCO_ALL_USERS = 'All Users';

export const CISCO_FILE_NAME_SKIP =
  'Secure Endpoint API v3 has no file-name exclusion for macOS/Linux exclusion sets (path, wildcard, extension and process only): add it as a wildcard path by hand if wanted';

/**
 * The approved items as Secure Endpoint exclusions, keyed by consoleItemKey;
 * what the API cannot carry (audit-only items, file names, process
 * exclusions past the per-policy limit) skipped with why.
 */
export function ciscoConsoleExclusions(items: readonly ExportableExclusion[]): {
  items: ConsoleItem<CiscoConsoleExclusion>[];
  skipped: { value: string; reason: string }[];
} {
  const { mapped, skipped } = toCiscoExclusions(items);
  const out: ConsoleItem<CiscoConsoleExclusion>[] = [];
  const skips = skipped.map((s) => ({ value: s.item.value, reason: s.reason }));
  for (const { item, exclusion } of mapped) {
    const key = consoleItemKey(item);
    const api = exclusion.api;
    switch (api.exclusionType) {
      case 'Path':
      case 'Wildcard':
        out.push({ key, body: { exclusionType: 'path', path: api.path! } });
        break;
      case 'File Extension':
        out.push({ key, body: { exclusionType: 'fileExtension', fileExtension: api.fileExtension! } });
        break;
      case 'Process':
        out.push({
          key,
          body: {
            exclusionType: 'process',
            process: { path: api.process!.path, user: exclusion.user || CISCO_ALL_USERS },
            engineSettings: { fileScan: { applyToEngine: true, applyToChildProcesses: api.engineSettings!.fileScan.applyToChildProcesses } },
          },
        });
        break;
      default:
        skips.push({ value: item.value, reason: CISCO_FILE_NAME_SKIP });
    }
  }
  return { items: out, skipped: skips };
}

/**
 * An exclusion the API returned, normalized to the fields the connector
 * writes (so one it wrote and nobody touched compares equal), with its guid;
 * undefined when it has no guid. Types fleettune never writes keep their
 * type only (a hand edit that turned one of ours into one reads as changed).
 */
export function readCiscoExclusion(raw: unknown): { guid: string; body: CiscoConsoleExclusion } | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.guid !== 'string' || !r.guid) return undefined;
  const type = String(r.exclusionType ?? '');
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (type === 'path') return { guid: r.guid, body: { exclusionType: 'path', path: str(r.path) ?? '' } };
  if (type === 'fileExtension') return { guid: r.guid, body: { exclusionType: 'fileExtension', fileExtension: str(r.fileExtension) ?? '' } };
  if (type === 'process') {
    const p = (r.process ?? {}) as Record<string, unknown>;
    const fileScan = ((r.engineSettings ?? {}) as Record<string, unknown>).fileScan as Record<string, unknown> | undefined;
    return {
      guid: r.guid,
      body: {
        exclusionType: 'process',
        process: { path: str(p.path) ?? '', user: str(p.user) || CISCO_ALL_USERS },
        engineSettings: { fileScan: { applyToEngine: fileScan?.applyToEngine === true, applyToChildProcesses: fileScan?.applyToChildProcesses === true } },
      },
    };
  }
  return { guid: r.guid, body: { exclusionType: type as CiscoConsoleExclusion['exclusionType'] } };
}
