import { credentials } from '@grpc/grpc-js';
import { AgentServiceClient, BatchAck_Status, CountBatch, HostCostWindow } from '@fleettune/proto';
import { ActivityRollupService } from '../exclusions/activity-rollup.service';
import type { RunningHub } from '../hub-app';
import { ONE_ADDRESS_AGENTS_ENV, enrollAgent } from './agent-enroll';
import { uploadBatches } from './agent-upload';

/**
 * For specs of the database topology (issue 17: PgBouncer, read replica): one
 * fixed small fleet driven through a real hub the way agents and the dashboard
 * drive it (gRPC enrollment and uploads with a duplicate resend, the rollup,
 * a recompute job over BullMQ, REST reads), summed into figures that carry no
 * generated ids, so two hubs on different databases can be compared.
 */
export interface FleetScenarioOptions {
  enrollSecret: string;
  adminToken: string;
  /** Start of the first upload window (ms, on a minute); the same for runs that are compared. */
  startMs: number;
  /** Runs after the writes, before the REST reads (e.g. waits until a read replica has replayed them). */
  beforeReads?: () => Promise<void>;
}

export interface FleetScenarioSummary {
  acks: { committed: number; duplicate: number };
  hosts: string[];
  execs: Array<[string, number, number]>;
  files: Array<[string, number, number]>;
  trendTotal: number;
  cost: { hostsReporting: number; products: Array<[string, number, number]> };
  recompute: { state: string; items: string[] };
}

export const SCENARIO_HOSTS = ['db-01', 'db-02', 'db-03'];
/** Hub settings the scenario needs: its hosts enroll at once from one address, and must count as independent hosts. */
export const SCENARIO_HUB_ENV = ONE_ADDRESS_AGENTS_ENV;
const BATCHES_PER_HOST = 3;
const MIN = 60_000;

function costWindow(start: number, cpuMs: number): HostCostWindow {
  return {
    windowStartMs: start,
    windowEndMs: start + MIN,
    samples: 6,
    coveredMs: MIN,
    products: [{ name: 'auditd', product: 'auditd', cpuMs, peakRssKb: 4000, peakHwmKb: 5000, processes: 1 }],
  };
}

function batch(hostId: string, hostIndex: number, sequence: number, startMs: number): CountBatch {
  const start = startMs + (sequence - 1) * MIN;
  return CountBatch.fromPartial({
    hostId,
    sequence,
    windowStartMs: start,
    windowEndMs: start + MIN,
    source: 'linux-audit',
    events: 5000,
    execs: [
      { path: '/usr/bin/date', parentPath: '/opt/backup/bin/backup-agent', user: 'backup', count: 1100 + hostIndex },
      { path: '/usr/bin/id', parentPath: '/usr/sbin/cron', user: 'root', count: 3 },
    ],
    files: [{ path: '/var/lib/backup/chunks/cache.db', op: 'modify', processPath: '/opt/backup/bin/backup-agent', count: 900 + sequence }],
    hostCost: [costWindow(start, 100 * (hostIndex + 1))],
  });
}

async function api<T>(hub: RunningHub, token: string, p: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${hub.httpPort}${p}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
  const body = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${p}: ${res.status} ${body}`);
  return JSON.parse(body) as T;
}

/** Enrolls and uploads (gRPC), rolls up, runs one recompute job and reads the dashboard's views. */
export async function runFleetScenario(hub: RunningHub, o: FleetScenarioOptions): Promise<FleetScenarioSummary> {
  const client = new AgentServiceClient(`127.0.0.1:${hub.grpcPort}`, credentials.createInsecure());
  try {
    const acks = { committed: 0, duplicate: 0 };
    const enrolled = await Promise.all(
      SCENARIO_HOSTS.map((hostname) => enrollAgent(client, { enrollSecret: o.enrollSecret, hostname, machineId: `m-${hostname}` })),
    );
    // Hosts upload at once (their transactions contend for the pool); each resends its first batch (an unacked retry).
    await Promise.all(
      enrolled.map(async (e, i) => {
        const batches = Array.from({ length: BATCHES_PER_HOST }, (_, k) => batch(e.hostId, i, k + 1, o.startMs));
        for (const a of await uploadBatches(client, e.agentToken, [...batches, batches[0]])) {
          if (a.status === BatchAck_Status.COMMITTED) acks.committed++;
          else if (a.status === BatchAck_Status.DUPLICATE) acks.duplicate++;
        }
      }),
    );
    await hub.app.get(ActivityRollupService).catchUp();

    const { jobId } = await api<{ jobId: string }>(hub, o.adminToken, '/api/v1/exclusion-sets/recompute', { method: 'POST' });
    let state = '';
    for (let i = 0; i < 600 && state !== 'completed' && state !== 'failed'; i++) {
      state = (await api<{ state: string }>(hub, o.adminToken, `/api/v1/exclusion-sets/jobs/${jobId}`)).state;
      if (state !== 'completed' && state !== 'failed') await new Promise((r) => setTimeout(r, 100));
    }
    await o.beforeReads?.();
    const latest = await api<{ items: Array<{ type: string; value: string }> }>(hub, o.adminToken, '/api/v1/exclusion-sets/latest');
    return { acks, ...(await readDashboard(hub, o.adminToken)), recompute: { state, items: latest.items.map((i) => `${i.type}:${i.value}`).sort() } };
  } finally {
    client.close();
  }
}

/** The dashboard's heavy read views (the ones DATABASE_READ_URL serves), without generated ids. */
export async function readDashboard(hub: RunningHub, adminToken: string): Promise<Omit<FleetScenarioSummary, 'acks' | 'recompute'>> {
  type Noise = Array<{ subject: string; count: number; hosts: number }>;
  const rows = (n: Noise) => n.map((r): [string, number, number] => [r.subject, r.count, r.hosts]);
  const hosts = await api<Array<{ hostname: string }>>(hub, adminToken, '/api/v1/hosts');
  const execs = await api<Noise>(hub, adminToken, '/api/v1/noise/execs');
  const files = await api<Noise>(hub, adminToken, '/api/v1/noise/files');
  const trend = await api<{ points: Array<{ total: number }> }>(hub, adminToken, '/api/v1/noise/trend?kind=exec&bucket=hour');
  const cost = await api<{ hostsReporting: number; products: Array<{ name: string; hosts: number; cpuSeconds: number }> }>(
    hub,
    adminToken,
    '/api/v1/cost/fleet',
  );
  return {
    hosts: hosts.map((h) => h.hostname).sort(),
    execs: rows(execs),
    files: rows(files),
    trendTotal: trend.points.reduce((s, p) => s + p.total, 0),
    cost: { hostsReporting: cost.hostsReporting, products: cost.products.map((p): [string, number, number] => [p.name, p.hosts, p.cpuSeconds]) },
  };
}
