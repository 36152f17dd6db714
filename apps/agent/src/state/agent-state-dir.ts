import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJsonFile, writeFileAtomic } from './atomic-file';

export interface AgentCredentials {
  hub: string;
  agentId: string;
  hostId: string;
  agentToken: string;
  hostname: string;
  /** The platform the host enrolled as (`--platform`); absent in older files: this host's platform. */
  os?: 'linux' | 'darwin';
}

export interface InputCheckpoint {
  /** dev:ino of the file, so a rotated or replaced file is not mistaken for the old one. */
  fileId: string;
  /** Bytes fully counted and spooled. */
  offset: number;
}

/**
 * The agent's private directory: credentials, input checkpoints and the
 * spool. Kept 0700 because the credentials let anyone impersonate the host:
 * created 0700, an existing looser one tightened, and one owned by another
 * user refused (whoever owns it could read or plant credentials and counts).
 */
export class AgentStateDir {
  /** The mode an existing directory had before it was tightened to 0700; undefined when it was fine. */
  readonly tightenedFrom: number | undefined;

  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // stat follows a symlink: what is judged is the directory actually used.
    const st = fs.statSync(dir);
    if (!st.isDirectory()) throw new Error(`state dir ${dir} is not a directory`);
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw new Error(`state dir ${dir} is owned by uid ${st.uid}, not by this user (uid ${uid}): refusing to use it`);
    }
    if ((st.mode & 0o777) !== 0o700) {
      fs.chmodSync(dir, 0o700);
      this.tightenedFrom = st.mode & 0o777;
    }
  }

  get credentialsFile(): string {
    return path.join(this.dir, 'credentials.json');
  }

  get spoolDir(): string {
    return path.join(this.dir, 'spool');
  }

  loadCredentials(): AgentCredentials | undefined {
    const creds = readJsonFile<AgentCredentials>(this.credentialsFile);
    // A copy restored by hand may have come back readable by others.
    if (creds && (fs.statSync(this.credentialsFile).mode & 0o077) !== 0) fs.chmodSync(this.credentialsFile, 0o600);
    return creds;
  }

  saveCredentials(c: AgentCredentials): void {
    writeFileAtomic(this.credentialsFile, JSON.stringify(c, null, 2), 0o600);
  }

  /**
   * This install's enrollment key (64 hex characters, 0600), made before the first Enroll: if the
   * agent dies between the hub's answer and saving its credentials, enrolling again with the same
   * key gets its own host back instead of "already enrolled". Never logged, never sent elsewhere.
   */
  installKey(): string {
    const file = path.join(this.dir, 'install-key');
    try {
      const key = fs.readFileSync(file, 'utf8').trim();
      if (/^[0-9a-f]{64}$/.test(key)) return key;
    } catch {
      // none yet
    }
    const key = randomBytes(32).toString('hex');
    writeFileAtomic(file, key, 0o600);
    return key;
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
