import { after, before } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import { AgentServiceClient } from '@fleettune/proto';
import type { TestDatabase } from '@fleettune/db-tools';
import { PrismaService } from '../database/prisma.service';
import type { RunningHub } from '../hub-app';
import { startTestHub } from './test-hub';

/** What an integration spec works with; every field is set once the `before` hook of `useTestHub` has run. */
export interface HubFixture {
  db: TestDatabase;
  hub: RunningHub;
  prisma: PrismaService;
  /** An agent-side gRPC client on the hub's plain-text port. */
  client: AgentServiceClient;
  /** `http://127.0.0.1:<port>` of the hub's REST side. */
  base: string;
  /** fetch on the hub's REST side, sending the FLEETTUNE_ADMIN_TOKEN of `env` unless `init` sets its own authorization. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** GET `path` as the admin (see `api`), its body read as text. */
  getText(path: string): Promise<{ status: number; text: string; headers: Headers }>;
  /**
   * A JSON request as `token` (the admin of `env` by default): the status, and the body parsed when the answer is
   * JSON, else its text (undefined when empty).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies, checked by the specs' asserts
  call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
}

/**
 * The set-up most integration specs share, as node:test hooks of the calling file: `before` starts a hub on a
 * database of its own (see `startTestHub`) and fills in the returned fixture; `after` closes the client and the
 * hub and drops the database. `setUp` runs in that same `before` once the fixture is filled in: a spec's own
 * root-level `before` would not wait for it (node 20 starts the root `before` hooks of a file together).
 */
export function useTestHub(name: string, env: Record<string, string> = {}, setUp?: () => Promise<void> | void): HubFixture {
  const adminToken = env.FLEETTUNE_ADMIN_TOKEN;
  const fixture = {
    api(path: string, init: RequestInit = {}): Promise<Response> {
      const headers = new Headers(init.headers);
      if (adminToken !== undefined && !headers.has('authorization')) headers.set('authorization', `Bearer ${adminToken}`);
      return fetch(`${fixture.base}${path}`, { ...init, headers });
    },
    async getText(path: string): Promise<{ status: number; text: string; headers: Headers }> {
      const res = await fixture.api(path);
      return { status: res.status, text: await res.text(), headers: res.headers };
    },
    async call(method: string, path: string, body?: unknown, token?: string) {
      const headers: Record<string, string> = body !== undefined ? { 'content-type': 'application/json' } : {};
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      const res = await fixture.api(path, { method, headers, body: body !== undefined ? JSON.stringify(body) : undefined });
      const text = await res.text();
      return { status: res.status, body: !text ? undefined : res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
    },
  } as HubFixture;

  before(async () => {
    const { db, hub } = await startTestHub(name, env);
    fixture.db = db;
    fixture.hub = hub;
    fixture.prisma = hub.app.get(PrismaService);
    fixture.base = `http://127.0.0.1:${hub.httpPort}`;
    fixture.client = new AgentServiceClient(`127.0.0.1:${hub.grpcPort}`, credentials.createInsecure());
    await setUp?.();
  });

  after(async () => {
    fixture.client?.close();
    await fixture.hub?.close();
    await fixture.db?.drop();
  });

  return fixture;
}
