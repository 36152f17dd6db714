import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WindowAggregator, WindowCounts } from '@fleettune/counting';
import { ciscoSupportSource } from '../sources/cisco-support-source';
import { openDirectoryInput } from '../sources/directory-input';
import { openInput } from '../sources/open-input';
import { detailsOf } from '../sources/source-details';
import { readJsonFile, writeFileAtomic } from '../state/atomic-file';
import type { LiveRunnerContext, LiveSourceRunner } from './live-source-runners';
import { nothingFromInput } from './input-warnings';
import { batchesOf } from './window-sink';

interface SnapshotCheckpoint {
  v: 1;
  input: string;
  /** Names, sizes and mtimes of the files read: a changed package is read again. */
  fingerprint: string;
  /** The batches of this snapshot, appended after this sink sequence. */
  afterSequence: number;
  batches: WindowCounts[];
}

/** Names, sizes and mtimes of every file under `input` (or of the file). */
function fingerprintOf(input: string): string {
  const h = createHash('sha256');
  const visit = (p: string, depth: number) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      if (depth > 4) return;
      for (const n of fs.readdirSync(p).sort()) visit(path.join(p, n), depth + 1);
    } else if (st.isFile()) h.update(`${path.relative(input, p)}\0${st.size}\0${st.mtimeMs}\n`);
  };
  visit(input, 0);
  return h.digest('hex');
}

/**
 * A Cisco Support Tool snapshot (execs.txt, fileops.txt, an unpacked support
 * package or its zip) streamed to the hub once: counted exactly as `report`
 * counts it (lists stamped over the Debug log's span, lists and log of one
 * package never added together: see cisco-support-counted-once.ts), cut into
 * windows, spooled. A checkpoint (fingerprint + the batches + the sequence
 * they follow) makes it exactly once across restarts; a changed package is
 * a new snapshot and is sent again.
 */
export class SupportSnapshotRunner implements LiveSourceRunner {
  readonly canRunOnce = true;
  private readonly checkpointFile: string;

  constructor(
    private readonly input: string,
    private readonly c: LiveRunnerContext,
  ) {
    const id = createHash('sha256').update(`cisco-support-snapshot:${input}`).digest('hex').slice(0, 16);
    this.checkpointFile = path.join(c.stateDir, `support-snapshot-${id}.json`);
  }

  get label(): string {
    return `${this.input} (support snapshot)`;
  }

  once(): Promise<number> {
    return this.send();
  }

  async run(): Promise<void> {
    try {
      if ((await this.send()) > 0) this.c.notify();
    } catch (err) {
      this.c.log(`reading ${this.label} failed: ${(err as Error).message}`);
    }
  }

  stop(): void {
    // A snapshot is read in one go; nothing to stop.
  }

  private async send(): Promise<number> {
    const fingerprint = fingerprintOf(this.input);
    let cp = readJsonFile<SnapshotCheckpoint>(this.checkpointFile);
    if (!cp || cp.fingerprint !== fingerprint) {
      const batches = await this.count();
      cp = { v: 1, input: this.input, fingerprint, afterSequence: this.c.sink.lastSequence(), batches };
      writeFileAtomic(this.checkpointFile, JSON.stringify(cp));
    } else this.c.log(`${this.label}: read before (same files); only batches not yet spooled are sent`);
    let appended = 0;
    cp.batches.forEach((b, i) => {
      if (this.c.sink.lastSequence() >= cp!.afterSequence + 1 + i) return;
      this.c.sink.append(b);
      appended++;
    });
    return appended;
  }

  private async count(): Promise<WindowCounts[]> {
    const opened = (await openDirectoryInput('cisco-support', this.input)) ?? (await openInput(this.input));
    const agg = new WindowAggregator({ source: 'cisco-support', windowMs: this.c.windowMs });
    let firstMs: number | undefined;
    const r = await ciscoSupportSource.read(opened.chunks, (e) => {
      agg.add(e);
      if (firstMs === undefined || e.timestampMs < firstMs) firstMs = e.timestampMs;
    });
    // Skips as report counts them (lines, archive entries), with the earliest window (or now, when nothing counted).
    if (r.skipped > 0) agg.addSkipped(r.skipped, firstMs ?? Date.now());
    const key = `cisco-support ${this.input}`;
    if (r.events === 0) this.c.warnings?.warn(key, nothingFromInput(r.skipped, r.skippedReasons));
    else this.c.warnings?.clear(key);
    for (const n of detailsOf(r)?.notes ?? []) if (/counted once|counted from|left out/.test(n)) this.c.log(`${key}: ${n}`);
    return batchesOf(agg.flushAll());
  }
}
