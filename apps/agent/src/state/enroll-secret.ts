import * as fs from 'node:fs';

/** Where the enrollment secret came from; only a file can be deleted after use. */
export type EnrollSecretSource = 'file' | 'env' | 'argv';

export interface EnrollSecretOptions {
  /** `--enroll-secret VALUE`: works, but any local user reads argv with `ps` while `run` lives. */
  enrollSecret?: string;
  /** `--enroll-secret-file PATH`: read only when the agent must enroll, deleted after it did. */
  enrollSecretFile?: string;
}

export const ENROLL_SECRET_ENV = 'FLEETTUNE_ENROLL_SECRET';

export interface EnrollSecretSpec {
  source: EnrollSecretSource | undefined;
  /** Reads the secret; only called when the agent is not enrolled yet. */
  read(): string | undefined;
  /** After a successful enrollment: deletes the file (a secret nobody needs is a secret nobody can steal). */
  forget(log: (msg: string) => void): void;
}

/**
 * Issue 13: the enrollment secret must not sit in argv (world-readable in /proc/<pid>/cmdline) or
 * linger after first use. The environment variable is taken and removed from this process's
 * environment at once, so tools the agent spawns (fatrace, eslogger, an mdatp command) never
 * inherit it. Precedence: file, then environment, then argv.
 */
export function enrollSecretSpec(o: EnrollSecretOptions, env: NodeJS.ProcessEnv = process.env): EnrollSecretSpec {
  const fromEnv = env[ENROLL_SECRET_ENV];
  delete env[ENROLL_SECRET_ENV];
  if (o.enrollSecretFile) {
    const file = o.enrollSecretFile;
    return {
      source: 'file',
      read: () => {
        let text: string;
        try {
          text = fs.readFileSync(file, 'utf8');
        } catch (err) {
          throw new Error(`cannot read --enroll-secret-file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
        const secret = text.trim();
        if (!secret) throw new Error(`--enroll-secret-file ${file} is empty`);
        return secret;
      },
      forget: (log) => {
        try {
          fs.unlinkSync(file);
          log(`deleted the enrollment secret file ${file} (no longer needed)`);
        } catch (err) {
          // A read-only mount (a Kubernetes Secret, a systemd credential) is already cleaned up by its owner.
          log(`could not delete the enrollment secret file ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}); remove it by hand`);
        }
      },
    };
  }
  if (fromEnv) return { source: 'env', read: () => fromEnv, forget: () => undefined };
  if (o.enrollSecret) return { source: 'argv', read: () => o.enrollSecret, forget: () => undefined };
  return { source: undefined, read: () => undefined, forget: () => undefined };
}

export const ARGV_SECRET_WARNING =
  'WARNING: --enroll-secret on the command line is readable by every local user (ps, /proc/<pid>/cmdline) ' +
  'for as long as the agent runs; use --enroll-secret-file FILE (deleted after enrollment) or FLEETTUNE_ENROLL_SECRET';
