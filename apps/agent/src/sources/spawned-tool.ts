import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from './open-input';

/** The absolute path of `name` on PATH (or `name` itself when it holds a slash), if executable. */
export function findExecutable(name: string, envPath: string = process.env.PATH ?? ''): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : envPath
        .split(path.delimiter)
        .filter(Boolean)
        .map((d) => path.join(d, name));
  for (const c of candidates) {
    try {
      const st = fs.statSync(c);
      if (st.isFile()) {
        fs.accessSync(c, fs.constants.X_OK);
        return c;
      }
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface SpawnedToolOptions {
  /** Binary name or path. */
  binary: string;
  args: string[];
  /** One line for the user when the binary is missing (how to install it). */
  missingHint: string;
  envPath?: string;
}

/**
 * A live tool (fatrace, eslogger) spawned by the agent, its stdout read as
 * chunks. Spawned only when the binary exists: otherwise `start` throws an
 * InputError with a message meant for the user. stderr lines are kept (last
 * 20) for the error raised when the tool exits non-zero (e.g. not root).
 */
export class SpawnedTool {
  private child?: ChildProcess;
  private readonly stderrTail: string[] = [];
  private stopping = false;

  constructor(private readonly options: SpawnedToolOptions) {}

  get label(): string {
    return `${this.options.binary} ${this.options.args.join(' ')}`.trim();
  }

  /** Resolves the binary (throws InputError when missing) and spawns it; yields its stdout. */
  start(): AsyncIterable<Buffer> {
    const bin = findExecutable(this.options.binary, this.options.envPath);
    if (!bin) throw new InputError(`${this.options.binary} not found on PATH: ${this.options.missingHint}`);
    const child = spawn(bin, this.options.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      for (const l of s.split('\n')) if (l.trim()) this.stderrTail.push(l.trim());
      this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - 20));
    });
    const exited = new Promise<void>((resolve, reject) => {
      child.on('error', (err) => reject(new InputError(`cannot start ${bin}: ${err.message}`)));
      child.on('close', (code, signal) => {
        if (code === 0 || this.stopping) resolve();
        else reject(new InputError(`${bin} exited with ${code ?? signal}: ${this.stderrTail.join(' | ') || 'no message'}`));
      });
    });
    const stdout = child.stdout as AsyncIterable<Buffer>;
    return (async function* () {
      for await (const chunk of stdout) yield chunk;
      await exited;
    })();
  }

  /** Stops the tool (SIGINT, as Ctrl-C would; the tools flush and exit on it). */
  stop(): void {
    this.stopping = true;
    if (this.child && this.child.exitCode === null) this.child.kill('SIGINT');
  }
}
