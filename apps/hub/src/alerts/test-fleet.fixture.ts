/**
 * Test support for the alert specs (not used by the hub): a recorded-style
 * fleet history with fixed timestamps, ingested through the real
 * BatchIngestService, and a loopback HTTP receiver.
 */
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { CountBatch } from '@fleettune/proto';
import { PrismaService } from '../database/prisma.service';
import { BatchIngestService } from '../ingest/batch-ingest.service';
import { RunningHub } from '../hub-app';

export const T0 = Date.UTC(2026, 9, 1, 0, 0, 0);
export const WINDOW_MS = 20 * 60_000;
export const HISTORY_DAYS = 3;
/** The window in which web-01 starts the new helper: right after the history. */
export const NOW_WINDOW_START = T0 + HISTORY_DAYS * 86_400_000;
export const HELPER = '/opt/acme/bin/acme-helper';

type Exec = { path: string; parentPath: string; user: string; count: number };
type File = { path: string; op: string; processPath: string; count: number };

/** What every host does all the time: two apps already noisy in the baseline, some quiet activity. */
function everyday(user: string): { execs: Exec[]; files: File[] } {
  return {
    execs: [
      { path: '/opt/mdm/bin/mdm-agent', parentPath: '/usr/lib/systemd/systemd', user: 'root', count: 2000 },
      { path: '/usr/bin/tar', parentPath: '/opt/backup/bin/backupd', user: 'root', count: 3000 },
      { path: '/usr/bin/id', parentPath: '/usr/sbin/cron', user: 'root', count: 5 },
      { path: `/home/${user}/.local/bin/notes`, parentPath: '/usr/bin/bash', user, count: 3 },
    ],
    files: [
      { path: `/home/${user}/.cache/app/state.db`, op: 'modify', processPath: '/opt/app/bin/app', count: 1500 },
      { path: '/var/log/syslog', op: 'modify', processPath: '/usr/sbin/rsyslogd', count: 50 },
    ],
  };
}

/** The new noisy helper: it execs utilities (directly and through a shell) 2300 times in 20 minutes (plus its own 2 starts). */
function newHelper(): Exec[] {
  return [
    { path: HELPER, parentPath: '/usr/lib/systemd/systemd', user: 'root', count: 2 },
    { path: '/usr/bin/id', parentPath: HELPER, user: 'root', count: 1500 },
    { path: '/bin/sh', parentPath: HELPER, user: 'root', count: 400 },
    { path: '/usr/bin/cat', parentPath: '/bin/sh', user: 'root', count: 400 },
  ];
}

export interface Fleet {
  hosts: Record<string, string>;
  /** Ingests one more window: everyone as usual, the given hosts also run the helper. */
  window(start: number, helperOn: string[]): Promise<void>;
}

export async function ingestFleet(hub: RunningHub, opts: { withHelper: boolean }): Promise<Fleet> {
  const prisma = hub.app.get(PrismaService);
  const ingest = hub.app.get(BatchIngestService);
  const hosts: Record<string, string> = {};
  const users: Record<string, string> = { 'web-01': 'alice', 'web-02': 'bob', 'web-03': 'carol' };
  for (const hostname of Object.keys(users)) {
    hosts[hostname] = (await prisma.host.create({ data: { hostname, os: 'linux', machineId: `m-${hostname}-${process.pid}` } })).id;
  }
  const seq: Record<string, number> = {};
  const send = async (hostname: string, start: number, execs: Exec[], files: File[]) => {
    seq[hostname] = (seq[hostname] ?? 0) + 1;
    const batch = CountBatch.fromPartial({
      hostId: hosts[hostname],
      sequence: seq[hostname],
      windowStartMs: start,
      windowEndMs: start + WINDOW_MS,
      source: 'linux-audit',
      events: execs.reduce((n, e) => n + e.count, 0) + files.reduce((n, f) => n + f.count, 0),
      execs,
      files,
    });
    const outcome = await ingest.ingest(hosts[hostname], batch);
    if (outcome !== 'committed') throw new Error(`batch ${hostname}#${seq[hostname]} was ${outcome}`);
  };
  // History: web-01 and web-02 every two hours for three days.
  for (let t = T0; t < NOW_WINDOW_START; t += 2 * 3_600_000) {
    for (const h of ['web-01', 'web-02']) {
      const e = everyday(users[h]);
      await send(h, t, e.execs, e.files);
    }
  }
  const window = async (start: number, helperOn: string[]) => {
    for (const h of ['web-01', 'web-02', 'web-03']) {
      const e = everyday(users[h]);
      await send(h, start, [...e.execs, ...(helperOn.includes(h) ? newHelper() : [])], e.files);
    }
  };
  // The latest window: everyone as usual, web-03 joins the fleet, web-01 runs the new helper.
  await window(NOW_WINDOW_START, opts.withHelper ? ['web-01'] : []);
  return { hosts, window };
}

export interface Received {
  path: string;
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook receiver on loopback that answers 503 to the first `failFirst` requests of each path. */
export async function startReceiver(failFirst: number): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = (seen.get(path) ?? 0) + 1;
      seen.set(path, n);
      const status = n <= failFirst ? 503 : 200;
      received.push({ path, status, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'down');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export class Api {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(this.base + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} -> ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Enqueues a detection and waits for its result. */
  async evaluate<T = { created: string[]; updated: string[]; skipped?: string; suppressed: Array<{ subject: string; why: string }> }>(): Promise<T> {
    const { jobId } = await this.ok<{ jobId: string }>('POST', '/api/v1/alerts/evaluate');
    const deadline = Date.now() + 30_000;
    for (;;) {
      const j = await this.ok<{ state: string; result?: T; failedReason?: string }>('GET', `/api/v1/alerts/jobs/${jobId}`);
      if (j.state === 'completed') {
        if (j.result === undefined) throw new Error(`job ${jobId} completed without a result: ${JSON.stringify(j)}`);
        return j.result;
      }
      if (j.state === 'failed') throw new Error(`evaluation failed: ${j.failedReason}`);
      if (Date.now() > deadline) throw new Error(`evaluation ${jobId} still ${j.state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
