import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { AuditFileRange } from './audit-file-ranges';
import { AuditRangeResult, AuditRangeScanOptions, scanAuditRange } from './audit-range-scan';

/** One job for a worker thread of readAuditFileParallel. */
export interface AuditRangeJob {
  job: number;
  file: string;
  /** Ranges with their index in the file's plan, read in this order. */
  ranges: Array<{ index: number; range: AuditFileRange }>;
  options: AuditRangeScanOptions;
}

export type AuditRangeWorkerMessage = { job: number; index: number; result: AuditRangeResult } | { job: number; done: true } | { job: number; error: string };

/**
 * Worker thread entry: reads the ranges of each job it is sent, one after
 * another, and posts each result as soon as it has it, then { done }. It
 * stays up for the next job (a warm thread parses faster), and a read error
 * is posted, never thrown.
 */
function serve(): void {
  const port = parentPort!;
  port.on('message', (job: AuditRangeJob) => {
    let fd: number | undefined;
    try {
      fd = fs.openSync(job.file, 'r');
      for (const { index, range } of job.ranges) port.postMessage({ job: job.job, index, result: scanAuditRange(fd, range, job.options) });
      port.postMessage({ job: job.job, done: true });
    } catch (err) {
      port.postMessage({ job: job.job, error: err instanceof Error ? err.message : String(err) });
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  });
}

if (parentPort && (workerData as { auditRangeWorker?: boolean } | undefined)?.auditRangeWorker) serve();
