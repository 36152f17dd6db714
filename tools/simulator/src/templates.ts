import * as fs from 'node:fs';
import * as path from 'node:path';
import { AuditLogReader } from '@fleettune/audit';
import { WindowAggregator, WindowCounts } from '@fleettune/counting';

/** The recorded demo logs (real auditd captures, one local user each). */
export const DEFAULT_LOG_DIR = path.resolve(__dirname, '..', '..', 'demo', 'logs');

/** Windows counted from one real recorded log: the "role" a simulated host plays. */
export interface HostTemplate {
  /** From the log's file name: `web-01.audit.log` -> `web`. */
  role: string;
  file: string;
  /** The recording host's local user (most frequent /home/<user>/), substituted per simulated host. */
  localUser: string;
  windows: WindowCounts[];
  rowsPerWindow: number;
}

/**
 * Counts a log with the agent's own pipeline (libs/audit -> libs/counting,
 * the same reader and aggregator `countFileIntoWindows` uses in the agent).
 */
export async function countLog(file: string, windowMs: number, source = 'linux-audit'): Promise<WindowCounts[]> {
  const aggregator = new WindowAggregator({ source, windowMs });
  const reader = new AuditLogReader((e) => aggregator.add(e), { onSkip: () => aggregator.addSkipped() });
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) reader.push(chunk);
  reader.end();
  return aggregator.flushAll();
}

function detectLocalUser(windows: WindowCounts[]): string {
  const seen = new Map<string, number>();
  const note = (p: string) => {
    const m = /^\/(?:home|Users)\/([^/]+)/.exec(p);
    if (m) seen.set(m[1], (seen.get(m[1]) ?? 0) + 1);
  };
  for (const w of windows) {
    for (const f of w.files) note(f.path);
    for (const e of w.execs) note(e.path);
  }
  return [...seen.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}

/** Loads every `*.audit.log` in `dir` (or the given files) as host templates. */
export async function loadTemplates(opts: { dir?: string; files?: string[]; windowMs?: number } = {}): Promise<HostTemplate[]> {
  const dir = opts.dir ?? DEFAULT_LOG_DIR;
  const files = opts.files?.length
    ? opts.files
    : fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.audit.log'))
        .sort()
        .map((f) => path.join(dir, f));
  if (!files.length) throw new Error(`no *.audit.log files in ${dir}`);
  const out: HostTemplate[] = [];
  for (const file of files) {
    // Short recordings produce a partial first/last window; keep only windows
    // with real content.
    const windows = (await countLog(file, opts.windowMs ?? 60_000)).filter((w) => w.events > 0);
    if (!windows.length) continue;
    const base = path.basename(file).replace(/\.audit\.log$/, '');
    const rows = windows.reduce((n, w) => n + w.execs.length + w.files.length + w.keys.length + w.syscalls.length, 0);
    out.push({
      role: base.replace(/-\d+$/, '') || base,
      file,
      localUser: detectLocalUser(windows),
      windows,
      rowsPerWindow: Math.round(rows / windows.length),
    });
  }
  if (!out.some((t) => t.rowsPerWindow > 0)) throw new Error(`the logs counted to no rows (is libs/audit built and working?): ${files.join(', ')}`);
  return out;
}
