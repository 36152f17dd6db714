import { Client } from 'pg';
import { newPgClient } from '../database/pg-client';
import { HostScopedSuggestion, RecommendationConfig, RecommendationResult, diffExclusionSets } from '@fleettune/rules';

export interface StoredExclusionSet {
  setId: string;
  version: number;
  added: number;
  removed: number;
  changed: number;
  /**
   * The job had already stored this version (a retry after a Redis failover
   * or a stalled job run again): nothing new was written; `items` is the
   * stored version's item count.
   */
  alreadyStored?: { items: number };
}

export interface StoreExclusionSetInput {
  jobId: string | null;
  config: RecommendationConfig;
  hostsReporting: number;
  /** Hosts reporting per platform: each platform's prevalence denominator (recommendExclusionsPerPlatform). */
  hostsReportingByPlatform?: Record<string, number>;
  lookbackBins: number;
  result: RecommendationResult & { suggestions?: HostScopedSuggestion[] };
}

/** Serializes concurrent stores (two hub replicas) so each version is diffed against the one before it. */
const STORE_LOCK_KEY = 0x66747365; // "ftse"

/**
 * Stores a new exclusion set version with its items and its diff against the
 * previous version, in one transaction. Plain pg and set-based JSON inserts,
 * so it can run in the recompute worker thread: an ORM building a nested
 * create of hundreds of items with JSON evidence is hundreds of milliseconds
 * of synchronous work that would otherwise land on the hub's event loop.
 * Same rows as the Prisma models ExclusionSet / ExclusionItem describe.
 */
export async function storeExclusionSet(client: Client, input: StoreExclusionSetInput): Promise<StoredExclusionSet> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [STORE_LOCK_KEY]);
    const earlier = await storedByJob(client, input.jobId);
    if (earlier) {
      await client.query('COMMIT');
      return earlier;
    }
    const prev = await client.query<{ id: string }>('SELECT id FROM exclusion_sets ORDER BY version DESC LIMIT 1');
    const previousId = prev.rows[0]?.id ?? null;
    const previousItems = previousId
      ? (
          await client.query(
            `SELECT type, value, "user", is_directory AS "isDirectory", global_scope_eligible AS "globalScopeEligible",
                    apply_to_children AS "applyToChildren", reason, risk, evidence
             FROM exclusion_items WHERE set_id = $1`,
            [previousId],
          )
        ).rows
      : [];
    const { result } = input;
    const diff = diffExclusionSets(previousItems, result.items, result.rejected);
    const params = {
      config: { ...input.config },
      hostsReporting: input.hostsReporting,
      ...(input.hostsReportingByPlatform ? { hostsReportingByPlatform: input.hostsReportingByPlatform } : {}),
      lookbackBins: input.lookbackBins,
      rejected: result.rejected.slice(0, 200),
      // Below the fleet bar: shown with the set, never items, so never pushed, pulled or exported.
      hostScopedSuggestions: (result.suggestions ?? []).slice(0, 200),
    };
    const set = await client.query<{ id: string; version: number }>(
      `INSERT INTO exclusion_sets (id, job_id, params, previous_set_id, diff)
       VALUES (gen_random_uuid(), $1, $2::jsonb, $3::uuid, $4::jsonb) RETURNING id, version`,
      [input.jobId, JSON.stringify(params), previousId, JSON.stringify(diff)],
    );
    const { id, version } = set.rows[0];
    if (result.items.length > 0) {
      await client.query(
        `INSERT INTO exclusion_items (id, set_id, type, value, is_directory, global_scope_eligible, "user", apply_to_children, reason, risk, evidence)
         SELECT gen_random_uuid(), $1::uuid, t.type, t.value, t."isDirectory", t."globalScopeEligible", t."user", t."applyToChildren", t.reason, t.risk, t.evidence
         FROM jsonb_to_recordset($2::jsonb) AS t(type text, value text, "isDirectory" boolean, "globalScopeEligible" boolean, "user" text,
                                                "applyToChildren" boolean, reason text, risk jsonb, evidence jsonb)`,
        [id, JSON.stringify(result.items)],
      );
    }
    await client.query('COMMIT');
    return { setId: id, version, added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** storeExclusionSet on a connection of its own (the recompute worker thread has no pool). */
export async function storeExclusionSetAt(databaseUrl: string, input: StoreExclusionSetInput): Promise<StoredExclusionSet> {
  const client = newPgClient({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await storeExclusionSet(client, input);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A job's version stored earlier, when the job id is one that names a single
 * run: manual recomputes (`recompute-<uuid>`) and scheduled ones
 * (`repeat:<scheduler>:<time>`). Plain numbers are Redis counters, which start
 * again at 1 when Redis loses its data: never taken as the same job.
 */
async function storedByJob(client: Client, jobId: string | null): Promise<StoredExclusionSet | null> {
  if (jobId === null || /^\d+$/.test(jobId)) return null;
  const r = await client.query<{ id: string; version: number; diff: { added?: unknown[]; removed?: unknown[]; changed?: unknown[] } | null; items: number }>(
    `SELECT s.id, s.version, s.diff, (SELECT count(*)::int FROM exclusion_items i WHERE i.set_id = s.id) AS items
     FROM exclusion_sets s WHERE s.job_id = $1 ORDER BY s.version LIMIT 1`,
    [jobId],
  );
  const row = r.rows[0];
  if (!row) return null;
  return {
    setId: row.id,
    version: row.version,
    added: row.diff?.added?.length ?? 0,
    removed: row.diff?.removed?.length ?? 0,
    changed: row.diff?.changed?.length ?? 0,
    alreadyStored: { items: row.items },
  };
}
