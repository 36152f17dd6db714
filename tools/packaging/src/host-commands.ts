import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (no shell); kills it after `timeoutMs`. */
export function runCommand(argv: string[], o: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    // No input: stdin is /dev/null, so a command that exits before reading it cannot fail us with EPIPE.
    const child = spawn(argv[0]!, argv.slice(1), { env: o.env ?? process.env, stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (child.stdin) {
      // A command may exit without reading all of its input; its exit code and output are the result, not the broken pipe.
      child.stdin.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') reject(err);
      });
      child.stdin.end(o.input);
    }
  });
}

/**
 * dpkg, waiting for its lock: on a shared machine an apt-get of someone else's may hold it for a
 * while ("dpkg frontend lock", "status database area is locked"). Any other failure is returned as is.
 * `wrap` runs dpkg under another command (`unshare ...`), with `env`.
 */
export async function runDpkg(args: string[], o: { wrap?: string[]; env?: NodeJS.ProcessEnv; waitMs?: number } = {}): Promise<CommandResult> {
  const deadline = Date.now() + (o.waitMs ?? 180_000);
  for (;;) {
    const r = await runCommand([...(o.wrap ?? []), 'dpkg', ...args], { env: o.env, timeoutMs: 300_000 });
    if (r.code === 0 || !/\block\b|locked/i.test(r.stderr) || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 2000));
  }
}

/** Whether `name` is an executable on PATH. */
export function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      fs.accessSync(path.join(dir || '.', name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Every entry under `root` (itself included) as "relative-path mode [sha256]", sorted: a tree's modes and contents at a glance. */
export function treeSnapshot(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      const rel = path.relative(root, p);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      if (st.isDirectory()) {
        out.push(`${rel}/ ${mode} ${st.uid}:${st.gid}`);
        walk(p);
      } else if (st.isSymbolicLink()) out.push(`${rel} -> ${fs.readlinkSync(p)}`);
      else out.push(`${rel} ${mode} ${st.uid}:${st.gid} ${st.isFile() ? sha256File(p) : 'special'}`);
    }
  };
  const st = fs.statSync(root);
  out.push(`./ ${(st.mode & 0o7777).toString(8).padStart(4, '0')} ${st.uid}:${st.gid}`);
  walk(root);
  return out;
}
