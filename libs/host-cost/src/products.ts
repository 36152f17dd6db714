import { globMatch, hasGlobWildcard } from '@fleettune/paths';

/** A security product process to watch: a name or glob (`audisp*`) and the product it belongs to. */
export interface ProductProcessPattern {
  pattern: string;
  product: string;
}

/** The default watch list (issue 9); `--cost-processes` replaces it. */
export const DEFAULT_PRODUCT_PROCESSES: readonly ProductProcessPattern[] = [
  { pattern: 'wdavdaemon', product: 'mdatp' },
  { pattern: 'mdatp_audisp_plugin', product: 'mdatp' },
  { pattern: 'auditd', product: 'auditd' },
  { pattern: 'audisp*', product: 'auditd' },
  { pattern: 'ampdaemon', product: 'cisco' },
  { pattern: 'cisco-*', product: 'cisco' },
  { pattern: 'falcon-sensor', product: 'crowdstrike' },
  { pattern: 'osqueryd', product: 'osquery' },
];

/** Linux keeps at most 15 bytes of a process name in comm (TASK_COMM_LEN 16). */
export const COMM_MAX = 15;

/** Parses `name[=product],...` (product defaults to the name without glob characters). */
export function parseProductProcesses(spec: string): ProductProcessPattern[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const eq = s.indexOf('=');
      const pattern = eq > 0 ? s.slice(0, eq).trim() : s;
      const product = eq > 0 ? s.slice(eq + 1).trim() : pattern.replace(/[*?]/g, '').replace(/[-_]+$/, '') || pattern;
      return { pattern, product };
    });
}

export interface ProcessMatch {
  /** The process name reported: the pattern itself, or for globs the actual name. */
  name: string;
  product: string;
}

/**
 * Matches a process against the watch list. `names` are what is known of
 * it, best first: the executable's basename, argv[0]'s basename, comm.
 * A comm cut at 15 bytes still matches a longer exact name
 * (`mdatp_audisp_pl` is `mdatp_audisp_plugin`).
 */
export class ProductMatcher {
  private readonly compiled: Array<ProductProcessPattern & { glob: boolean }>;

  constructor(patterns: readonly ProductProcessPattern[] = DEFAULT_PRODUCT_PROCESSES) {
    this.compiled = patterns.map((p) => ({ ...p, glob: hasGlobWildcard(p.pattern) }));
  }

  match(names: ReadonlyArray<string | undefined>, comm?: string): ProcessMatch | undefined {
    const candidates = names.filter((n): n is string => !!n);
    for (const p of this.compiled) {
      if (p.glob) {
        // The shared linear matcher, not a RegExp: `--cost-processes` globs must not backtrack exponentially.
        const test = (n: string) => globMatch(p.pattern, n, { separator: null });
        const hit = candidates.find(test) ?? (comm && test(comm) ? comm : undefined);
        if (hit) return { name: hit, product: p.product };
      } else if (candidates.includes(p.pattern) || (comm !== undefined && (comm === p.pattern || (comm.length === COMM_MAX && p.pattern.startsWith(comm))))) {
        return { name: p.pattern, product: p.product };
      }
    }
    return undefined;
  }
}
