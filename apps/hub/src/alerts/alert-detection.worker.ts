/**
 * Worker-thread entry of the alert detection (see runAlertDetectionInWorker):
 * reads recent noise, then the baseline of only the subjects noisy now,
 * runs the detector and drops what approved exclusions cover. One message
 * back, then the thread ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { newPgClient } from '../database/pg-client';
import { detectNoisySubjects } from './alert-detector';
import type { AlertDetectionInput, AlertDetectionMessage, AlertDetectionOutput } from './alert-detection-runner';
import { readExecNoiseRows, readFileNoiseRows } from './alert-noise-rows';
import { isCoveredByAny } from './exclusion-coverage';

async function detect(input: AlertDetectionInput): Promise<AlertDetectionOutput> {
  const nowSec = input.nowMs / 1000;
  const now = new Date(input.nowMs);
  const recentStart = new Date(input.recentStartMs);
  const baselineStart = new Date(input.baselineStartMs);
  const client = newPgClient({ connectionString: input.databaseUrl });
  await client.connect();
  let detection;
  try {
    // Pass 1: what is noisy now. Pass 2: the same plus the baseline of only those subjects.
    const recentExecs = await readExecNoiseRows(client, nowSec, input.binSeconds, recentStart, now);
    const recentFiles = await readFileNoiseRows(client, nowSec, input.binSeconds, recentStart, now);
    const first = detectNoisySubjects(recentExecs, recentFiles, input.detector);
    if (first.noisy.length === 0) return { noisySubjects: 0, uncovered: [], covered: [] };
    const baseExecs = first.execPatterns.length
      ? await readExecNoiseRows(client, nowSec, input.binSeconds, baselineStart, recentStart, first.execPatterns)
      : [];
    const baseFiles = first.filePatterns.length
      ? await readFileNoiseRows(client, nowSec, input.binSeconds, baselineStart, recentStart, first.filePatterns)
      : [];
    detection = detectNoisySubjects([...recentExecs, ...baseExecs], [...recentFiles, ...baseFiles], input.detector);
  } finally {
    await client.end().catch(() => undefined);
  }
  const out: AlertDetectionOutput = { noisySubjects: detection.noisy.length, uncovered: [], covered: [] };
  for (const s of detection.noisy) {
    if (isCoveredByAny(s.group, s.subject, input.approved)) {
      if (s.isNew) out.covered.push(s.subject);
    } else {
      out.uncovered.push(s);
    }
  }
  return out;
}

if (parentPort) {
  const port = parentPort;
  detect(workerData as AlertDetectionInput).then(
    (output) => port.postMessage({ ok: true, output } satisfies AlertDetectionMessage),
    (err: unknown) => port.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies AlertDetectionMessage),
  );
}
