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
 * A hub for console connector contract specs (issue 14 item 3): its own
 * database, two noisy hosts of one OS (the fleet fixture: a vendor agent
 * starting utilities, its chunk files and log), an admin and an approver,
 * and REST helpers that drive it as a security team would.
 */
export interface ConsoleHub {
  db: TestDatabase;
  hub: RunningHub;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies, checked by the specs' asserts
  api(method: string, path: string, body?: unknown, as?: 'admin' | 'approver'): Promise<{ status: number; body: any; text: string }>;
  /** Item of the latest set by value (and type). */
  item(value: string, type?: string): Promise<{ id: string; type: string; value: string; setId: string }>;
  decide(itemId: string, decision: 'approved' | 'rejected'): Promise<void>;
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
}

const ADMIN = 'console-spec-admin-token-00000000000';
const APPROVER = 'console-spec-approver-token-000000000';

export async function startConsoleHub(name: string, os: 'linux' | 'darwin', env: Record<string, string> = {}): Promise<ConsoleHub> {
  const { db, hub } = await startTestHub(name, {
    FLEETTUNE_ADMIN_TOKEN: ADMIN,
    FLEETTUNE_POLICY_PUSH_BACKOFF_MS: '100',
    FLEETTUNE_POLICY_PUSH_ATTEMPTS: '3',
    LOG_LEVEL: process.env.SPEC_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const prisma = hub.app.get(PrismaService);
  await prisma.apiToken.create({ data: { name: 'carol-approver', role: 'approver', tokenHash: digestToken(APPROVER) } });
  const ingest = hub.app.get(BatchIngestService);
  await ingestNoisyHost(ingest, await addHost(prisma, `${os}-01`, os), 'alice');
  await ingestNoisyHost(ingest, await addHost(prisma, `${os}-02`, os), 'bob');
  await hub.app.get(ExclusionRecomputeService).recompute();
  const base = `http://127.0.0.1:${hub.httpPort}`;

  const api: ConsoleHub['api'] = async (method, path, body, as = 'admin') => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${as === 'admin' ? ADMIN : APPROVER}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
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
    api,
    waitPush,
    async item(value, type) {
      const set = (await api('GET', '/api/v1/exclusion-sets/latest')).body as { id: string; items: Array<{ id: string; type: string; value: string }> };
      const found = set.items.find((i) => i.value === value && (!type || i.type === type));
      assert.ok(found, `fixture item ${value}: ${set.items.map((i) => `${i.type} ${i.value}`).join(', ')}`);
      return { ...found, setId: set.id };
    },
    async decide(itemId, decision) {
      const r = await api('POST', `/api/v1/exclusion-items/${itemId}/decision`, { decision, comment: 'spec' }, 'approver');
      assert.ok(r.status < 300, r.text);
    },
    async pushAndWait(targetId) {
      const set = (await api('GET', '/api/v1/exclusion-sets/latest')).body as { id: string };
      const push = await api('POST', `/api/v1/exclusion-sets/${set.id}/push`, { targetId }, 'approver');
      assert.equal(push.status, 202, push.text);
      return waitPush(targetId, push.body.pushId);
    },
    async close() {
      await hub.close();
      await db.drop();
    },
  };
}
