import { childEnvironment } from '../config/child-environment';
import { Inject, Injectable } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import type { GitPolicyFile } from './git-policy-files';
import type { GitRemote } from './git-remote';
import { redactRemote } from './git-remote';

export interface GitPublishRequest {
  remote: GitRemote;
  branch: string;
  /** Relative directory inside the repository ('' = root), already validated. */
  directory: string;
  files: GitPolicyFile[];
  message: string;
}

export type GitPublishResult = { status: 'committed'; commit: string } | { status: 'unchanged' };

export class GitPublishError extends Error {}

/** The identity of the hub's commits; who approved is in the message. */
const AUTHOR = ['-c', 'user.name=fleettune hub', '-c', 'user.email=fleettune-hub@localhost'];

/**
 * Commits policy files to a branch of a git remote with the system `git`:
 * a fresh temporary clone per push (shallow fetch of the branch, or an orphan
 * branch when the remote has none yet), the files written, a commit only when
 * the tree changed, a push, and the directory removed whatever happened.
 *
 * git runs with an argument array (never a shell), `--` before every URL,
 * GIT_TERMINAL_PROMPT=0 and ssh BatchMode (a missing credential fails at once
 * instead of waiting for a prompt), GIT_ALLOW_PROTOCOL limited to the target's
 * scheme (no ext::, no transport switch through redirects), http redirects
 * off, no system config, no hooks, and one deadline for the whole push
 * (FLEETTUNE_POLICY_GIT_TIMEOUT_MS) past which the running git is killed.
 * Errors carry git's message with the remote's credentials removed.
 */
@Injectable()
export class GitPolicyPublisher {
  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  async publish(req: GitPublishRequest): Promise<GitPublishResult> {
    const deadline = Date.now() + this.config.FLEETTUNE_POLICY_GIT_TIMEOUT_MS;
    const work = await mkdtemp(join(tmpdir(), 'fleettune-git-'));
    const git = (args: string[], okCodes: number[] = [0]) => this.run(work, args, req.remote, deadline, okCodes);
    try {
      await git(['init', '-q', '.']);
      const ref = `refs/heads/${req.branch}`;
      const heads = await git(['ls-remote', '--heads', '--', req.remote.url, ref]);
      if (heads.stdout.trim()) {
        await git(['fetch', '-q', '--depth', '1', '--no-tags', '--', req.remote.url, ref]);
        await git(['checkout', '-q', '-B', req.branch, 'FETCH_HEAD']);
      } else {
        await git(['checkout', '-q', '--orphan', req.branch]);
      }
      const dir = join(work, req.directory);
      await mkdir(dir, { recursive: true });
      for (const f of req.files) await writeFile(join(dir, f.name), f.content, 'utf8');
      await git(['add', '--', ...req.files.map((f) => join(req.directory, f.name) || f.name)]);
      const diff = await git(['diff', '--cached', '--quiet'], [0, 1]);
      if (diff.code === 0) return { status: 'unchanged' };
      await git([...AUTHOR, 'commit', '-q', '--no-verify', '--no-gpg-sign', '-m', req.message]);
      const commit = (await git(['rev-parse', 'HEAD'])).stdout.trim();
      await git(['push', '-q', '--', req.remote.url, `HEAD:${ref}`]);
      return { status: 'committed', commit };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private run(cwd: string, args: string[], remote: GitRemote, deadline: number, okCodes: number[]): Promise<{ code: number; stdout: string }> {
    const timeout = deadline - Date.now();
    if (timeout <= 0) return Promise.reject(new GitPublishError(`git push timed out after ${this.config.FLEETTUNE_POLICY_GIT_TIMEOUT_MS} ms`));
    // The child gets the hub's environment (PATH, HOME for ~/.ssh, proxies) minus any GIT_* that could redirect it.
    const env = childEnvironment(['GIT_']);
    Object.assign(env, {
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: '/bin/false',
      SSH_ASKPASS: '/bin/false',
      GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
      GIT_ALLOW_PROTOCOL: remote.scheme,
      GIT_CONFIG_NOSYSTEM: '1',
      LC_ALL: 'C',
    });
    const ca = this.config.FLEETTUNE_POLICY_GIT_CA_FILE ? ['-c', `http.sslCAInfo=${this.config.FLEETTUNE_POLICY_GIT_CA_FILE}`] : [];
    const full = [
      '-c',
      'core.hooksPath=/dev/null',
      '-c',
      'http.followRedirects=false',
      '-c',
      'protocol.allow=never',
      '-c',
      `protocol.${remote.scheme}.allow=always`,
      ...ca,
      ...args,
    ];
    return new Promise((resolve, reject) => {
      execFile('git', full, { cwd, env, timeout, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        if (okCodes.includes(code)) return resolve({ code, stdout });
        const why = err?.killed ? `timed out after ${this.config.FLEETTUNE_POLICY_GIT_TIMEOUT_MS} ms` : (stderr || err?.message || `exit ${code}`).trim();
        reject(new GitPublishError(redactRemote(`git ${args.find((a) => !a.startsWith('-')) ?? ''} failed: ${why}`, remote).slice(0, 1000)));
      });
    });
  }
}
