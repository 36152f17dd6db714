import { Worker } from 'node:worker_threads';

/** What a one-shot worker posts back: its output, or why it failed. */
export type OneShotWorkerMessage<O> = { ok: true; output: O } | { ok: false; error: string };

/**
 * Runs `file` in a worker thread with `input` as its workerData and resolves
 * with the one message it posts back, so CPU-bound work (exclusion recompute,
 * alert detection) never stalls the hub's event loop. The thread is ended as
 * soon as it answered (rather than waiting for its pg sockets to close); an
 * error or an exit before answering rejects, naming `what`.
 */
export function runOneShotWorker<I, O>(file: string, input: I, what: string): Promise<O> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(file, { workerData: input });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    worker.once('message', (m: OneShotWorkerMessage<O>) => {
      settle(() => (m.ok ? resolve(m.output) : reject(new Error(`${what} worker failed: ${m.error}`))));
      void worker.terminate();
    });
    worker.once('error', (err) => settle(() => reject(err)));
    worker.once('exit', (code) => settle(() => reject(new Error(`${what} worker exited with code ${code} before answering`))));
  });
}
