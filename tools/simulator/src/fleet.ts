import { ChannelOptions, Metadata, ServiceError, credentials, status } from '@grpc/grpc-js';
import { AgentServiceClient, BatchAck, BatchAck_Status, CountBatch, EnrollResponse } from '@fleettune/proto';
import { HostProfile, batchRows, buildBatch } from './host-profile';
import { Samples } from './stats';

export interface FleetRunOptions {
  /**
   * The hub's gRPC address, or several hub replicas' (issue 17): agent i uses
   * replica i mod n, the even spread the real agent's shuffled --hub list makes
   * on average, here exact so runs compare.
   */
  hub: string | string[];
  enrollSecret: string;
  hosts: HostProfile[];
  /** Each agent sends one window every intervalMs (a "compressed minute"). */
  intervalMs: number;
  /** Window length the batches claim (the uncompressed minute). */
  windowMs: number;
  durationMs: number;
  /** Keep only the top rows (by count) per batch; 0 = all. */
  maxRows: number;
  /** Batches an agent may have unacknowledged on its stream (the real agent: 32). */
  maxInFlight: number;
  /** Enrollments at once. */
  enrollConcurrency: number;
  /** Each agent opens its own TCP connection (true, like real hosts) or shares one channel. */
  ownConnection: boolean;
  /** First window start (ms); windows advance by windowMs per batch. */
  firstWindowStartMs: number;
  /** How long to wait for outstanding acks after the duration. */
  drainTimeoutMs: number;
  onProgress?: (p: FleetProgress) => void;
  progressEveryMs?: number;
}

export interface FleetProgress {
  elapsedMs: number;
  phase: 'enroll' | 'stream' | 'drain';
  enrolled: number;
  streamsOpen: number;
  sent: number;
  acked: number;
  rowsAcked: number;
  errors: number;
}

export interface FleetResult {
  agents: number;
  enrollMs: number;
  streamMs: number;
  batchesScheduled: number;
  batchesSent: number;
  batchesAcked: number;
  duplicates: number;
  rowsAcked: number;
  batchesPerSecond: number;
  rowsPerSecond: number;
  /** From the moment a window was due to its ack (includes time queued at the agent). */
  ackLatencyMs: { p50: number; p90: number; p95: number; p99: number; p999: number; max: number; mean: number };
  /** From the write of the batch to its ack. */
  wireLatencyMs: { p50: number; p99: number; max: number };
  errors: number;
  errorKinds: Record<string, number>;
  /** Enroll calls that failed and succeeded on retry (what a real agent does). */
  enrollRetries: Record<string, number>;
  unacked: number;
  maxStreamsOpen: number;
}

/** gRPC status name of an error (UNAVAILABLE, INTERNAL, ...), so results count errors by code. */
export function codeName(err: unknown): string {
  const code = (err as ServiceError).code;
  return typeof code === 'number' ? (status[code] ?? `code ${code}`) : 'no-code';
}

interface Pending {
  batch: CountBatch;
  dueAt: number;
  sentAt: number;
  rows: number;
}

/** Runs `hosts.length` agents against a hub: enroll all, then stream windows at the chosen rate. */
export async function runFleet(o: FleetRunOptions): Promise<FleetResult> {
  const t0 = Date.now();
  const ackLatency = new Samples();
  const wireLatency = new Samples();
  const errorKinds: Record<string, number> = {};
  const progress: FleetProgress = { elapsedMs: 0, phase: 'enroll', enrolled: 0, streamsOpen: 0, sent: 0, acked: 0, rowsAcked: 0, errors: 0 };
  let duplicates = 0;
  const enrollRetries: Record<string, number> = {};
  let scheduled = 0;
  let maxStreamsOpen = 0;
  const error = (kind: string) => {
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
    progress.errors += 1;
  };
  const channelOptions: ChannelOptions = {
    'grpc.keepalive_time_ms': 60_000,
    'grpc.max_send_message_length': 8 * 1024 * 1024,
    ...(o.ownConnection ? { 'grpc.use_local_subchannel_pool': 1 } : {}),
  };
  const hubs = typeof o.hub === 'string' ? [o.hub] : o.hub;
  if (hubs.length === 0) throw new Error('runFleet: no hub address');
  const shared = o.ownConnection ? undefined : hubs.map((h) => new AgentServiceClient(h, credentials.createInsecure(), channelOptions));
  const clients: AgentServiceClient[] = [];
  const clientFor = (agentIndex: number) => {
    if (shared) return shared[agentIndex % hubs.length];
    const c = new AgentServiceClient(hubs[agentIndex % hubs.length], credentials.createInsecure(), channelOptions);
    clients.push(c);
    return c;
  };
  const timer = setInterval(() => {
    progress.elapsedMs = Date.now() - t0;
    o.onProgress?.({ ...progress });
  }, o.progressEveryMs ?? 2_000);
  timer.unref();

  // Enrollment: real Enroll RPCs with the secret, bounded concurrency.
  const agents: Array<{ host: HostProfile; client: AgentServiceClient; creds: EnrollResponse }> = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(o.enrollConcurrency, o.hosts.length) }, async () => {
      while (next < o.hosts.length) {
        const agentIndex = next++;
        const host = o.hosts[agentIndex];
        const client = clientFor(agentIndex);
        for (let attempt = 0; ; attempt++) {
          try {
            const creds = await new Promise<EnrollResponse>((resolve, reject) =>
              client.enroll(
                { enrollSecret: o.enrollSecret, hostname: host.hostname, os: 'linux', agentVersion: 'fleettune-sim', machineId: host.machineId },
                new Metadata(),
                { deadline: Date.now() + 30_000 },
                (err: ServiceError | null, res?: EnrollResponse) => (err ? reject(err) : resolve(res!)),
              ),
            );
            agents.push({ host, client, creds });
            progress.enrolled += 1;
            break;
          } catch (err) {
            const kind = `enroll ${codeName(err)}: ${(err as ServiceError).details ?? (err as Error).message}`;
            if (attempt >= 4 || (err as ServiceError).code === 16 /* UNAUTHENTICATED */) {
              error(kind);
              throw err;
            }
            // Retried like the agent does; counted apart, not as a failure.
            enrollRetries[kind] = (enrollRetries[kind] ?? 0) + 1;
            await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
          }
        }
      }
    }),
  );
  const enrollMs = Date.now() - t0;

  // Streaming: each agent keeps one UploadBatches stream open and writes a
  // window every intervalMs (first one at a random offset so the fleet is
  // spread over the interval, as real agents are).
  progress.phase = 'stream';
  const streamStart = Date.now();
  const streamEnd = streamStart + o.durationMs;
  const windowsPerAgent = Math.max(1, Math.floor(o.durationMs / o.intervalMs));
  const runs = agents.map(
    ({ host, client, creds }) =>
      new Promise<number>((resolveAgent) => {
        const md = new Metadata();
        md.set('authorization', `Bearer ${creds.agentToken}`);
        const queue: Pending[] = [];
        const inFlight = new Map<number, Pending>();
        let seq = 0;
        let stopped = false;
        let call: ReturnType<AgentServiceClient['uploadBatches']> | undefined;
        let reconnectTimer: NodeJS.Timeout | undefined;
        const offset = Math.floor((((host.index * 7919) % 1000) / 1000) * o.intervalMs);

        const finishIfDone = () => {
          if (stopped && queue.length === 0 && inFlight.size === 0 && call) {
            const c = call;
            call = undefined;
            c.end();
          }
        };
        const open = () => {
          const c = client.uploadBatches(md);
          call = c;
          progress.streamsOpen += 1;
          maxStreamsOpen = Math.max(maxStreamsOpen, progress.streamsOpen);
          let closed = false;
          const closeOnce = () => {
            if (closed) return false;
            closed = true;
            progress.streamsOpen -= 1;
            return true;
          };
          c.on('data', (ack: BatchAck) => {
            const p = inFlight.get(ack.sequence);
            if (!p) return;
            inFlight.delete(ack.sequence);
            const now = Date.now();
            ackLatency.add(now - p.dueAt);
            wireLatency.add(now - p.sentAt);
            progress.acked += 1;
            progress.rowsAcked += p.rows;
            if (ack.status === BatchAck_Status.DUPLICATE) duplicates += 1;
            pump();
            finishIfDone();
          });
          c.on('error', (err: ServiceError) => {
            if (!closeOnce()) return;
            error(`stream ${codeName(err)}: ${err.details || err.message}`);
            if (call === c) call = undefined;
            // Resend whatever was not acknowledged, like the agent's spool.
            queue.unshift(...[...inFlight.values()].sort((a, b) => a.batch.sequence - b.batch.sequence));
            inFlight.clear();
            if (Date.now() > streamEnd + o.drainTimeoutMs) return resolveAgent(queue.length);
            reconnectTimer = setTimeout(
              () => {
                open();
                pump();
              },
              250 + Math.random() * 1000,
            );
          });
          c.on('end', () => {
            closeOnce();
            if (call === c) call = undefined;
            if (stopped && queue.length === 0 && inFlight.size === 0) resolveAgent(0);
          });
        };
        const pump = () => {
          if (!call) return;
          while (inFlight.size < o.maxInFlight && queue.length) {
            const p = queue.shift()!;
            p.sentAt = Date.now();
            inFlight.set(p.batch.sequence, p);
            progress.sent += 1;
            call.write(p.batch);
          }
        };
        const tick = () => {
          if (seq >= windowsPerAgent) {
            stopped = true;
            finishIfDone();
            return;
          }
          seq += 1;
          scheduled += 1;
          const dueAt = Date.now();
          const batch = buildBatch(host, creds.hostId, seq, o.firstWindowStartMs + (seq - 1) * o.windowMs, { windowMs: o.windowMs, maxRows: o.maxRows });
          queue.push({ batch, dueAt, sentAt: 0, rows: batchRows(batch) });
          pump();
          if (seq >= windowsPerAgent) {
            // Last window sent: close the stream once it is acknowledged.
            stopped = true;
            finishIfDone();
            return;
          }
          const nextDue = streamStart + offset + seq * o.intervalMs;
          setTimeout(tick, Math.max(0, nextDue - Date.now()));
        };
        open();
        setTimeout(tick, offset);
        // Give up on this agent after the drain timeout.
        setTimeout(
          () => {
            clearTimeout(reconnectTimer);
            if (queue.length || inFlight.size) {
              error('unacked at drain timeout');
              call?.cancel();
              resolveAgent(queue.length + inFlight.size);
            }
          },
          o.durationMs + offset + o.drainTimeoutMs,
        ).unref();
      }),
  );
  const unackedPerAgent = await Promise.all(runs);
  const streamMs = Date.now() - streamStart;
  clearInterval(timer);
  progress.phase = 'drain';
  progress.elapsedMs = Date.now() - t0;
  o.onProgress?.({ ...progress });
  for (const c of shared ?? []) c.close();
  for (const c of clients) c.close();
  const secs = streamMs / 1000;
  return {
    agents: agents.length,
    enrollMs,
    streamMs,
    batchesScheduled: scheduled,
    batchesSent: progress.sent,
    batchesAcked: progress.acked,
    duplicates,
    rowsAcked: progress.rowsAcked,
    batchesPerSecond: progress.acked / secs,
    rowsPerSecond: progress.rowsAcked / secs,
    ackLatencyMs: {
      p50: ackLatency.percentile(50),
      p90: ackLatency.percentile(90),
      p95: ackLatency.percentile(95),
      p99: ackLatency.percentile(99),
      p999: ackLatency.percentile(99.9),
      max: ackLatency.max(),
      mean: ackLatency.mean(),
    },
    wireLatencyMs: { p50: wireLatency.percentile(50), p99: wireLatency.percentile(99), max: wireLatency.max() },
    errors: progress.errors,
    errorKinds,
    enrollRetries,
    unacked: unackedPerAgent.reduce((a, b) => a + b, 0),
    maxStreamsOpen,
  };
}
