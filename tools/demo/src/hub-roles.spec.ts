import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { createMigratedTestDatabase, TestDatabase } from '@fleettune/db-tools';
import { replayOnceArgs } from './agent-replay';
import { HubApi } from './hub-api';
import { ONE_MACHINE_FLEET_ENV, throwAwayHubEnv } from './hub-env';
import { HubProcess, REPO, runAgent, startHubProcess } from './hub-process';

// FLEETTUNE_ROLES: the same recorded logs streamed to an all-in-one hub and to
// a hub split into three processes (api, ingest, worker) over one database
// and Redis must give the same fleet noise and the same exclusion set.
const LOGS = ['web-01', 'web-02', 'build-03'].map((h) => ({ hostname: h, log: path.join(REPO, `tools/demo/logs/${h}.audit.log`) }));
const ADMIN = 'roles-admin-token-0123456789abcdef';
const ENROLL = 'roles-enroll-secret-0123456789abcdef';

interface Deployment {
  name: string;
  db: TestDatabase;
  processes: HubProcess[];
  api: HubApi;
  grpcAddress: string;
}

const deployments: Deployment[] = [];
const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-roles-'));

async function deploy(name: string, roleSets: string[]): Promise<Deployment> {
  const db = await createMigratedTestDatabase(`roles_${name}`);
  const env = (roles: string) =>
    throwAwayHubEnv(db.url, `roles-${name}`, {
      FLEETTUNE_ROLES: roles,
      FLEETTUNE_ADMIN_TOKEN: ADMIN,
      FLEETTUNE_ENROLL_SECRET: ENROLL,
      ...ONE_MACHINE_FLEET_ENV,
    });
  const processes: HubProcess[] = [];
  const d: Deployment = { name, db, processes, api: undefined as unknown as HubApi, grpcAddress: '' };
  deployments.push(d);
  for (const roles of roleSets) processes.push(await startHubProcess(env(roles)));
  const apiProcess = processes[roleSets.findIndex((r) => r.split(',').includes('api'))];
  const ingestProcess = processes[roleSets.findIndex((r) => r.split(',').includes('ingest'))];
  d.api = new HubApi(apiProcess.httpUrl, ADMIN);
  d.grpcAddress = ingestProcess.grpcAddress;
  return d;
}

before(async () => {
  await deploy('all', ['api,ingest,worker']);
  await deploy('split', ['api', 'ingest', 'worker']);
});

after(async () => {
  for (const d of deployments) {
    for (const p of d.processes) await p.stop();
    await d.db.drop();
  }
  fs.rmSync(stateRoot, { recursive: true, force: true });
});

async function replayAll(d: Deployment): Promise<void> {
  for (const h of LOGS) {
    const res = await runAgent(
      replayOnceArgs({ hub: d.grpcAddress, enrollSecret: ENROLL, input: h.log, hostname: h.hostname, stateDir: path.join(stateRoot, d.name, h.hostname) }),
    );
    assert.equal(res.code, 0, `${d.name}: agent ${h.hostname} failed: ${res.stderr}`);
  }
}

type Noise = Array<{ path: string; count: number; hosts: number }>;

/** The execs noise once the rollup worker has applied every batch (it runs only in the worker process of `split`). */
async function settledExecs(d: Deployment): Promise<Noise> {
  let last = '';
  let stableSince = Date.now();
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 300))) {
    const rows = await d.api.get<Noise>('/api/v1/noise/execs?top=1000');
    const now = JSON.stringify(rows);
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (rows.length > 0 && Date.now() - stableSince > 1500) {
      return rows;
    }
  }
  throw new Error(`${d.name}: exec noise never settled (last ${last.slice(0, 200)})`);
}

function comparable(set: { items: Array<Record<string, unknown>> }) {
  return set.items
    .map((i) =>
      JSON.stringify([i.type, i.value, i.user, i.applyToChildren ?? null, i.risk ?? null, (i.evidence as { hosts?: number } | undefined)?.hosts ?? null]),
    )
    .sort();
}

test('each process runs only its roles: no gRPC without ingest, no REST API or dashboard without api', async () => {
  const split = deployments.find((d) => d.name === 'split')!;
  const [apiProcess, ingestProcess, workerProcess] = split.processes;
  assert.equal(apiProcess.grpcAddress, 'off');
  assert.equal(workerProcess.grpcAddress, 'off');
  assert.match(ingestProcess.grpcAddress, /^127\.0\.0\.1:\d+$/);
  for (const p of [ingestProcess, workerProcess]) {
    const res = await fetch(`${p.httpUrl}/api/v1/hosts`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { message: string }).message, /served by processes with the api role/);
    assert.equal((await fetch(`${p.httpUrl}/`)).status, 404, 'no dashboard');
    assert.equal((await fetch(`${p.httpUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${p.httpUrl}/readyz`)).status, 200);
    assert.equal((await fetch(`${p.httpUrl}/metrics`)).status, 200);
  }
  assert.equal((await fetch(`${apiProcess.httpUrl}/api/v1/hosts`, { headers: { authorization: `Bearer ${ADMIN}` } })).status, 200);
});

test("api + ingest + worker as separate processes give the all-in-one hub's noise and exclusion set", async () => {
  const [all, split] = deployments;
  for (const d of deployments) await replayAll(d);
  const [allExecs, splitExecs] = [await settledExecs(all), await settledExecs(split)];
  assert.ok(allExecs.length > 5, 'the logs produced exec noise');
  assert.deepEqual(splitExecs, allExecs);

  // The recompute is enqueued by the api process and run by the worker process (the api process has no workers).
  const [allResult, splitResult] = [await all.api.recomputeExclusions(), await split.api.recomputeExclusions()];
  assert.ok(allResult.items > 0, 'the all-in-one hub recommended something');
  assert.equal(splitResult.items, allResult.items);
  const [allSet, splitSet] = await Promise.all([all, split].map((d) => d.api.get<{ items: Array<Record<string, unknown>> }>('/api/v1/exclusion-sets/latest')));
  assert.deepEqual(comparable(splitSet), comparable(allSet));

  // Only the worker process ran the job (each process counts the jobs it ran).
  const ranRecompute = async (p: HubProcess) =>
    /^fleettune_jobs_total\{[^}]*queue="exclusions"[^}]*result="completed"[^}]*\} [1-9]/m.test(await (await fetch(`${p.httpUrl}/metrics`)).text());
  const [apiProcess, ingestProcess, workerProcess] = split.processes;
  assert.deepEqual([await ranRecompute(apiProcess), await ranRecompute(ingestProcess), await ranRecompute(workerProcess)], [false, false, true]);
});
