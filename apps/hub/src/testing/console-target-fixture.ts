import assert from 'node:assert/strict';
import type { TestDatabase } from '@fleettune/db-tools';
import { digestToken } from '../auth/token-digest';
import { PrismaService } from '../database/prisma.service';
import { ExclusionRecomputeService } from '../exclusions/exclusion-recompute.service';
import { addHost, ingestNoisyHost } from '../exclusions/fleet-fixture';
import type { RunningHub } from '../hub-app';
import { BatchIngestService } from '../ingest/batch-ingest.service';
import { startTestHub } from './test-hub';

/**
 * A hub for policy target specs (the console connector contract specs of
 * issue 14 item 3, the git, webhook and pull targets): its own database, two
 * noisy hosts of one OS (the fleet fixture: a vendor agent starting
 * utilities, its chunk files and log), an admin, an approver and a viewer,
 * and REST helpers that drive it as a security team would.
 */
/** A REST answer: its status, its body parsed as JSON (undefined when it is not JSON), its text and headers. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies, checked by the specs' asserts
export type ConsoleHubResponse = { status: number; body: any; text: string; headers: Headers };

export interface ConsoleHub {
  db: TestDatabase;
  hub: RunningHub;
  /** `http://127.0.0.1:<port>` of the hub's REST side. */
  base: string;
  api(method: string, path: string, body?: unknown, as?: ConsoleHubRole, headers?: Record<string, string>): Promise<ConsoleHubResponse>;
  /** Item of the latest set by value (and type). */
  item(value: string, type?: string): Promise<{ id: string; type: string; value: string; setId: string }>;
  /** Approves or rejects, as the approver, the item of the latest set by value (and type). */
  decide(value: string, decision: 'approved' | 'rejected', type?: string): Promise<void>;
  /** Asks for a dry run of pushing the latest set to the target (as the approver); the answer as it came. */
  dryRun(targetId: string): ReturnType<ConsoleHub['api']>;
  /** Pushes the latest set to the target and waits for the job to finish; the push row (with plan, applied, verified, drift). */
  pushAndWait(targetId: string): Promise<PushRow>;
  /** Waits for a queued push (a push or a rollback) to finish; its row. */
  waitPush(targetId: string, pushId: string): Promise<PushRow>;
  close(): Promise<void>;
}

export interface PushRow {
  id: string;
  status: string;
  lastError: string | null;
  attempts: number;
  plan?: { add: unknown[]; remove: unknown[]; unchanged: unknown[] } | null;
  applied?: Array<{ key: string; consoleId: string; body: unknown }> | null;
  verified?: boolean | null;
  drift?: Array<{ kind: string; consoleId: string }> | null;
  /** A git target's commit; null when there was nothing to commit. */
  commitSha?: string | null;
  attemptLog: Array<{ attempt: number; statusCode: number | null; error: string | null }>;
}

/** Items the fixture's noisy hosts make (see ingestNoisyHost): their sync agent's process, its chunk files and its log. */
export const NOISY_ITEMS = {
  agent: '/opt/syncagent/bin/syncagent',
  chunks: '/var/tmp/buildcache/*/chunk-*.tmp',
  log: '/home/*/.cache/syncagent/sync.log',
};

export type ConsoleHubRole = 'admin' | 'approver' | 'viewer';
/** The approver's token name: what a push records as who requested it. */
export const CONSOLE_HUB_APPROVER = 'carol-approver';
const TOKENS: Record<ConsoleHubRole, string> = {
  admin: 'console-spec-admin-token-00000000000',
  approver: 'console-spec-approver-token-000000000',
  viewer: 'console-spec-viewer-token-00000000000',
};

export async function startConsoleHub(name: string, os: 'linux' | 'darwin', env: Record<string, string> = {}): Promise<ConsoleHub> {
  const { db, hub } = await startTestHub(name, {
    FLEETTUNE_ADMIN_TOKEN: TOKENS.admin,
    FLEETTUNE_POLICY_PUSH_BACKOFF_MS: '100',
    FLEETTUNE_POLICY_PUSH_ATTEMPTS: '3',
    LOG_LEVEL: process.env.SPEC_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const prisma = hub.app.get(PrismaService);
  await prisma.apiToken.createMany({
    data: [
      { name: CONSOLE_HUB_APPROVER, role: 'approver', tokenHash: digestToken(TOKENS.approver) },
      { name: 'viewer', role: 'viewer', tokenHash: digestToken(TOKENS.viewer) },
    ],
  });
  const ingest = hub.app.get(BatchIngestService);
  await ingestNoisyHost(ingest, await addHost(prisma, `${os}-01`, os), 'alice');
  await ingestNoisyHost(ingest, await addHost(prisma, `${os}-02`, os), 'bob');
  await hub.app.get(ExclusionRecomputeService).recompute();
  const base = `http://127.0.0.1:${hub.httpPort}`;

  const api: ConsoleHub['api'] = async (method, path, body, as = 'admin', headers = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${TOKENS[as]}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
  const latestSetId = async () => ((await api('GET', '/api/v1/exclusion-sets/latest')).body as { id: string }).id;
  const item: ConsoleHub['item'] = async (value, type) => {
    const set = (await api('GET', '/api/v1/exclusion-sets/latest')).body as { id: string; items: Array<{ id: string; type: string; value: string }> };
    const found = set.items.find((i) => i.value === value && (!type || i.type === type));
    assert.ok(found, `fixture item ${value}: ${set.items.map((i) => `${i.type} ${i.value}`).join(', ')}`);
    return { ...found, setId: set.id };
  };
  const waitPush: ConsoleHub['waitPush'] = async (targetId, pushId) => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const log = (await api('GET', `/api/v1/policy-targets/${targetId}/pushes`)).body as PushRow[];
      const row = log.find((r) => r.id === pushId);
      if (row && !['queued', 'retrying'].includes(row.status)) return row;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('push did not finish');
  };
  return {
    db,
    hub,
    base,
    api,
    waitPush,
    item,
    async decide(value, decision, type) {
      const r = await api('POST', `/api/v1/exclusion-items/${(await item(value, type)).id}/decision`, { decision, comment: 'spec' }, 'approver');
      assert.ok(r.status < 300, r.text);
    },
    async dryRun(targetId) {
      return api('POST', `/api/v1/exclusion-sets/${await latestSetId()}/push`, { targetId, dryRun: true }, 'approver');
    },
    async pushAndWait(targetId) {
      const push = await api('POST', `/api/v1/exclusion-sets/${await latestSetId()}/push`, { targetId }, 'approver');
      assert.equal(push.status, 202, push.text);
      return waitPush(targetId, push.body.pushId);
    },
    async close() {
      await hub.close();
      await db.drop();
    },
  };
}
