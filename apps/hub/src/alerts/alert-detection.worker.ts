/**
 * Worker-thread entry of the alert detection (see runAlertDetectionInWorker):
 * reads recent noise, then the baseline of only the subjects noisy now,
 * runs the detector and drops what approved exclusions cover. One message
 * back, then the thread ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { detectNoisySubjects } from './alert-detector';
import type { AlertDetectionInput, AlertDetectionMessage, AlertDetectionOutput } from './alert-detection-runner';
import { AlertNoiseRepository } from './alert-noise.repository';
import { isCoveredByAny } from './exclusion-coverage';

async function detect(input: AlertDetectionInput): Promise<AlertDetectionOutput> {
  const nowSec = input.nowMs / 1000;
  const now = new Date(input.nowMs);
  const recentStart = new Date(input.recentStartMs);
  const baselineStart = new Date(input.baselineStartMs);
  const noise = await AlertNoiseRepository.connect(input.databaseUrl);
  let detection;
  try {
    // Pass 1: what is noisy now. Pass 2: the same plus the baseline of only those subjects.
    const recentExecs = await noise.execRows(nowSec, input.binSeconds, recentStart, now);
    const recentFiles = await noise.fileRows(nowSec, input.binSeconds, recentStart, now);
    const first = detectNoisySubjects(recentExecs, recentFiles, input.detector);
    if (first.noisy.length === 0) return { noisySubjects: 0, uncovered: [], covered: [] };
    const baseExecs = first.execPatterns.length ? await noise.execRows(nowSec, input.binSeconds, baselineStart, recentStart, first.execPatterns) : [];
    const baseFiles = first.filePatterns.length ? await noise.fileRows(nowSec, input.binSeconds, baselineStart, recentStart, first.filePatterns) : [];
    detection = detectNoisySubjects([...recentExecs, ...baseExecs], [...recentFiles, ...baseFiles], input.detector);
  } finally {
    await noise.close();
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
