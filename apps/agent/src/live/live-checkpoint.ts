import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonFile, writeFileAtomic } from '../state/atomic-file';
import type { FilePosition } from './rotating-file-reader';
import type { WindowOutbox } from './window-outbox';

/**
 * Everything a followed input needs to go on after a restart, written in
 * ONE atomic file write (write temp, fsync, rename, fsync dir):
 *  - `position`: where reading stands (inode + offset);
 *  - `counter`: what was read before it but is in no emitted window yet
 *    (partial line, open events, pid -> exe, open windows' counts);
 *    line sources rebuild their parser state by re-reading up to `position`;
 *  - `outbox`: the windows completed by this step, with the sink sequence
 *    they were appended after. They go to the spool after this write; on
 *    restart, those whose sequence the spool has not reached are appended
 *    again, so a crash at any point neither loses nor doubles a window.
 */
export interface LiveCheckpoint {
  v: 1;
  source: string;
  input: string;
  savedAtMs: number;
  position: FilePosition;
  /** The counter's snapshot (LiveAuditCounter, LiveLineCounter, ...). */
  counter: unknown;
  outbox: WindowOutbox;
}

export class LiveCheckpointStore {
  readonly file: string;

  constructor(stateDir: string, key: string) {
    const id = createHash('sha256').update(key).digest('hex').slice(0, 16);
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.file = path.join(stateDir, `live-checkpoint-${id}.json`);
  }

  load(): LiveCheckpoint | undefined {
    const cp = readJsonFile<LiveCheckpoint>(this.file);
    if (cp && cp.v !== 1) throw new Error(`${this.file}: unsupported checkpoint version ${String(cp.v)}`);
    return cp;
  }

  save(cp: LiveCheckpoint): void {
    writeFileAtomic(this.file, JSON.stringify(cp));
  }
}
