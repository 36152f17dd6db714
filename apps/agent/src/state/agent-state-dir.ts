import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonFile, writeFileAtomic } from './atomic-file';

export interface AgentCredentials {
  hub: string;
  agentId: string;
  hostId: string;
  agentToken: string;
  hostname: string;
}

export interface InputCheckpoint {
  /** dev:ino of the file, so a rotated or replaced file is not mistaken for the old one. */
  fileId: string;
  /** Bytes fully counted and spooled. */
  offset: number;
}

/**
 * The agent's private directory: credentials, input checkpoints and the
 * spool. Kept 0700 because the credentials let anyone impersonate the host.
 */
export class AgentStateDir {
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
  }

  get spoolDir(): string {
    return path.join(this.dir, 'spool');
  }

  loadCredentials(): AgentCredentials | undefined {
    return readJsonFile<AgentCredentials>(path.join(this.dir, 'credentials.json'));
  }

  saveCredentials(c: AgentCredentials): void {
    writeFileAtomic(path.join(this.dir, 'credentials.json'), JSON.stringify(c, null, 2));
  }

  loadCheckpoint(inputKey: string): InputCheckpoint | undefined {
    return readJsonFile<Record<string, InputCheckpoint>>(path.join(this.dir, 'checkpoints.json'))?.[inputKey];
  }

  saveCheckpoint(inputKey: string, cp: InputCheckpoint): void {
    const file = path.join(this.dir, 'checkpoints.json');
    const all = readJsonFile<Record<string, InputCheckpoint>>(file) ?? {};
    all[inputKey] = cp;
    writeFileAtomic(file, JSON.stringify(all, null, 2));
  }
}
