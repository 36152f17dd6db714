import * as path from 'node:path';
import { OneShotWorkerMessage, runOneShotWorker } from '../common/one-shot-worker';
import type { HostIndependenceOptions, RecommendationConfig } from '@fleettune/rules';
import type { StoredExclusionSet } from './exclusion-set-version.repository';

export interface RecomputeWorkerInput {
  databaseUrl: string;
  lookbackBins: number;
  config: RecommendationConfig;
  /** Which hosts count once toward minHosts (hub settings FLEETTUNE_ENROLL_BURST_SECONDS, FLEETTUNE_COUNT_SHARED_PEER_ONCE). */
  independence: HostIndependenceOptions;
  jobId: string | null;
}

export interface RecomputeWorkerOutput extends StoredExclusionSet {
  /** Items in the new version, and subjects the engine refused. */
  items: number;
  rejected: number;
  /** Host-scoped suggestions stored with the set (below the fleet bar, never exported). */
  suggestions: number;
  hostsReporting: number;
  rowCount: number;
  rawRows: number;
  queryMs: number;
  decodeMs: number;
  engineMs: number;
  /** CPU of the whole process while the engine ran (Node 20 has no per-thread CPU clock). */
  engineCpuMs: number;
  storeMs: number;
}

export type RecomputeWorkerMessage = OneShotWorkerMessage<RecomputeWorkerOutput>;

/** Compiled next to this file (dist/exclusions/). */
export const RECOMPUTE_WORKER_FILE = path.join(__dirname, 'exclusion-recompute.worker.js');

/**
 * Runs one recompute (rollup read, engine, store of the new set version) in
 * a worker thread and resolves with its summary. Nothing large crosses back,
 * so the hub's event loop stays free while millions of rollup cells are
 * decoded and evaluated.
 */
export function runRecomputeInWorker(input: RecomputeWorkerInput): Promise<RecomputeWorkerOutput> {
  return runOneShotWorker<RecomputeWorkerInput, RecomputeWorkerOutput>(RECOMPUTE_WORKER_FILE, input, 'exclusion recompute');
}
