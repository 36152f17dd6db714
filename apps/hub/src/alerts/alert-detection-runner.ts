import * as path from 'node:path';
import { OneShotWorkerMessage, runOneShotWorker } from '../common/one-shot-worker';
import type { DetectorConfig, NoisySubject } from './alert-detector';
import type { CoveringExclusion } from './exclusion-coverage';

export interface AlertDetectionInput {
  databaseUrl: string;
  nowMs: number;
  binSeconds: number;
  recentStartMs: number;
  baselineStartMs: number;
  detector: DetectorConfig;
  /** Approved exclusions: a subject they cover does not alert. */
  approved: CoveringExclusion[];
}

export interface AlertDetectionOutput {
  /** Subjects over threshold now, covered or not. */
  noisySubjects: number;
  /** Noisy subjects no approved exclusion covers: what may alert. */
  uncovered: NoisySubject[];
  /** Newly noisy subjects an approved exclusion covers. */
  covered: string[];
}

export type AlertDetectionMessage = OneShotWorkerMessage<AlertDetectionOutput>;

/** Compiled next to this file (dist/alerts/). */
export const ALERT_DETECTION_WORKER_FILE = path.join(__dirname, 'alert-detection.worker.js');

/**
 * Runs the CPU-bound part of an alert evaluation (reading the noise rows,
 * both detection passes, matching approved exclusions) in a worker thread,
 * as the exclusion recompute does: on a large fleet that is seconds of
 * synchronous work, and on the hub's thread it stalled REST, gRPC acks and
 * /healthz (issue 13 item 6). Only the noisy subjects come back.
 */
export function runAlertDetectionInWorker(input: AlertDetectionInput): Promise<AlertDetectionOutput> {
  return runOneShotWorker<AlertDetectionInput, AlertDetectionOutput>(ALERT_DETECTION_WORKER_FILE, input, 'alert detection');
}
