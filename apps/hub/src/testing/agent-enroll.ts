import type { ServiceError } from '@grpc/grpc-js';
import { CountBatch } from '@fleettune/proto';
import { countBatch } from '@fleettune/proto/dist/testing/count-batch';
import type { AgentServiceClient, EnrollRequest, EnrollResponse } from '@fleettune/proto';

/**
 * Hub settings for specs whose agents all enroll from this one test process: they share the loopback address and
 * one enrollment burst, and each must count as a host of its own (host-independence.spec covers the shared-peer bar).
 */
export const ONE_ADDRESS_AGENTS_ENV = { FLEETTUNE_ENROLL_BURST_SECONDS: '0', FLEETTUNE_COUNT_SHARED_PEER_ONCE: 'false' };

/** For specs: one Enroll call; resolves with the credentials or rejects with the gRPC status. */
export function enrollAgent(client: AgentServiceClient, req: Partial<EnrollRequest> & { enrollSecret: string; hostname: string }): Promise<EnrollResponse> {
  return new Promise((resolve, reject) =>
    client.enroll({ os: 'linux', agentVersion: 'spec', machineId: '', ...req }, (err: ServiceError | null, res?: EnrollResponse) =>
      err ? reject(err) : resolve(res!),
    ),
  );
}

/** For specs: an enrolled host as a spec drives it, with the sequence of its next batch. */
export interface SpecHost {
  hostId: string;
  token: string;
  sequence: number;
}

/** For specs: enrolls `hostname` (machine id `m-<hostname>`) and returns it ready to upload from sequence 1. */
export async function enrollSpecHost(client: AgentServiceClient, enrollSecret: string, hostname: string, os: string, agentVersion: string): Promise<SpecHost> {
  const res = await enrollAgent(client, { enrollSecret, hostname, os, agentVersion, machineId: `m-${hostname}` });
  return { hostId: res.hostId, token: res.agentToken, sequence: 1 };
}

/** For specs: the host's next one-minute window (sequence advanced) of `rows`, its events their counts' sum. */
export function nextWindow(host: SpecHost, startMs: number, source: string, rows: Partial<Pick<CountBatch, 'execs' | 'files'>>): CountBatch {
  const execs = rows.execs ?? [];
  const files = rows.files ?? [];
  return CountBatch.fromPartial({
    hostId: host.hostId,
    sequence: host.sequence++,
    windowStartMs: startMs,
    windowEndMs: startMs + 60_000,
    source,
    events: execs.reduce((n, e) => n + e.count, 0) + files.reduce((n, f) => n + f.count, 0),
    execs,
    files,
  });
}

/**
 * For specs: a valid one-minute batch from `windowStartMs` of one exec row and one file row, with their audit key
 * and syscall; `extra` replaces whole fields as given (not normalised, so a spec can send what the hub must refuse).
 */
export function execAndFileBatch(hostId: string, sequence: number, windowStartMs: number, extra: Partial<CountBatch> = {}): CountBatch {
  return countBatch({
    hostId,
    sequence,
    windowStartMs,
    events: 3,
    execs: [{ path: '/usr/bin/id', parentPath: '/opt/app/bin/app', user: 'root', count: 2 }],
    files: [{ path: '/var/log/app.log', op: 'modify', processPath: '/opt/app/bin/app', count: 1 }],
    auditKeys: [{ name: 'exec', count: 2 }],
    syscalls: [{ name: 'execve', count: 2 }],
    ...extra,
  });
}

/** For specs: a small valid batch of one exec row. */
export function specBatch(hostId: string, sequence: number, path = '/usr/bin/id', count = 1): CountBatch {
  const windowStartMs = Date.now() - 3600_000 - (Date.now() % 60_000);
  return countBatch({ hostId, sequence, windowStartMs, execs: [{ path, parentPath: '/opt/app/bin/app', user: 'root', count }] });
}
