import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AuditFileRange } from './audit-file-ranges';
import { AuditRangeResult, AuditRangeScanOptions, scanAuditRange } from './audit-range-scan';
import type { AuditRangeJob, AuditRangeWorkerMessage } from './audit-range-worker';

/**
 * Worker threads for parallel range reads, kept between reads of one process
 * (a thread's JIT warm-up costs about as much as parsing 20 MB) and unref'd
 * while idle, so they never keep a process alive. One job per thread at a time.
 */
const WORKER_SCRIPT = path.join(__dirname, 'audit-range-worker.js');

/**
 * The worker's own code, bundled into one script, where a one-file bundle of
 * the agent carries it (tools/sea/src/agent-bundle.ts sets it in the bundle's
 * first line): there is no audit-range-worker.js next to a bundle, and a
 * single executable has no JS file on disk at all.
 */
export const BUNDLED_WORKER_SOURCE_GLOBAL = '__fleettuneAuditRangeWorkerSource';

function bundledWorkerSource(): string | undefined {
  const s = (globalThis as Record<string, unknown>)[BUNDLED_WORKER_SOURCE_GLOBAL];
  return typeof s === 'string' ? s : undefined;
}

class AuditRangeWorkerPool {
  private readonly idle: Worker[] = [];
  private nextJob = 1;
  private hasScript: boolean | undefined;

  /**
   * False when there is no worker code to start a thread with: neither the
   * bundled source nor a worker script next to this file (a bundle made
   * without it). readAuditFile then reads on this thread (same result)
   * instead of failing with MODULE_NOT_FOUND.
   */
  get available(): boolean {
    return (this.hasScript ??= bundledWorkerSource() !== undefined || fs.existsSync(WORKER_SCRIPT));
  }

  /**
   * Reads `ranges` on `threads` threads, in contiguous groups. With
   * `thisThread` (an open fd of the file), this thread reads the first group
   * itself while threads - 1 pool threads read the others: a thread that
   * parses costs a start-up and a JIT warm-up (about as much CPU as parsing
   * 20 MB), and this thread needs its own warm parser anyway for the heads
   * of the later ranges.
   */
  async scan(
    file: string,
    ranges: AuditFileRange[],
    threads: number,
    options: AuditRangeScanOptions,
    thisThread?: { fd: number },
  ): Promise<AuditRangeResult[]> {
    const results: AuditRangeResult[] = new Array(ranges.length);
    const n = Math.max(1, Math.min(threads, ranges.length));
    const jobs: Array<Promise<void>> = [];
    const group = (w: number) => {
      const from = Math.floor((w * ranges.length) / n);
      const to = Math.floor(((w + 1) * ranges.length) / n);
      return ranges.slice(from, to).map((range, i) => ({ index: from + i, range }));
    };
    for (let w = thisThread ? 1 : 0; w < n; w++) jobs.push(this.run({ job: this.nextJob++, file, ranges: group(w), options }, results));
    if (thisThread) {
      try {
        for (const { index, range } of group(0)) results[index] = scanAuditRange(thisThread.fd, range, options);
      } catch (err) {
        jobs.push(Promise.reject(err instanceof Error ? err : new Error(String(err))));
      }
    }
    // Wait for every thread even when one fails, so none is left mid-job.
    const settled = await Promise.allSettled(jobs);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return results;
  }

  private run(job: AuditRangeJob, results: AuditRangeResult[]): Promise<void> {
    const source = bundledWorkerSource();
    const worker =
      this.idle.pop() ??
      new Worker(source ?? WORKER_SCRIPT, {
        eval: source !== undefined,
        workerData: { auditRangeWorker: true },
        // Each thread has a heap of its own: a 16 MB young generation keeps a 1 GB read's peak RSS
        // lower than the default (measured with 2 threads + idle main: 126 MB instead of 138), at no cost
        // in CPU (8 MB costs more).
        resourceLimits: { maxYoungGenerationSizeMb: 16 },
      });
    worker.ref();
    return new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (m: AuditRangeWorkerMessage) => {
        if (m.job !== job.job) return;
        if ('result' in m) results[m.index] = m.result;
        else if ('done' in m) {
          cleanup();
          worker.unref();
          this.idle.push(worker);
          resolve();
        } else {
          cleanup();
          worker.unref();
          this.idle.push(worker);
          reject(new Error(m.error));
        }
      };
      const onError = (err: Error) => {
        cleanup();
        void worker.terminate();
        reject(err);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`audit range worker exited with code ${code}`));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(job);
    });
  }

  /** Ends the idle threads (tests; a process exits without it). */
  async close(): Promise<void> {
    const all = this.idle.splice(0);
    await Promise.all(all.map((w) => w.terminate()));
  }
}

export const auditRangeWorkerPool = new AuditRangeWorkerPool();
