import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveRecommendationConfig } from '@fleettune/rules';
import { runRecomputeInWorker } from './recompute-worker-runner';

test('a failing recompute worker rejects with its error; the hub process lives on', async () => {
  const started = performance.now();
  await assert.rejects(
    runRecomputeInWorker({
      // A database that does not exist on the real server: the worker's first query fails.
      databaseUrl: 'postgresql://postgres@127.0.0.1:5432/fleettune_no_such_database_for_worker_spec',
      lookbackBins: 3,
      config: resolveRecommendationConfig(),
      independence: { enrollBurstSeconds: 60, countSharedPeerOnce: true },
      jobId: null,
    }),
    /exclusion recompute worker failed: .*fleettune_no_such_database_for_worker_spec/s,
  );
  assert.ok(performance.now() - started < 30_000);
});
