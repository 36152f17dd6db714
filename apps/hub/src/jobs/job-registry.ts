import type { JobsOptions, Queue } from 'bullmq';
import type { HubConfig } from '../config/hub-config';
import { waitForRedisReplicas } from './redis-replication-wait';

/**
 * Every BullMQ queue and job of the hub, in one place: its queue, its name in
 * Redis, the type of its payload and its default options. Enqueue through
 * `addJob` so the payload is checked against the job's type; a processor
 * declares the jobs it handles (`handles`), and `JobRegistryCheck` refuses to
 * start a hub where a job has no handler or two.
 *
 * The names in Redis are the ones the hub has always used: jobs queued by an
 * older hub are still picked up.
 */
export const QUEUES = {
  exclusions: 'exclusions',
  alerts: 'alerts',
  alertDeliveries: 'alert-deliveries',
  policyPush: 'policy-push',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** The job name of both delivery queues (one per queue, so a name is unique within its queue). */
export const DELIVER_JOB = 'deliver';

export const JOBS = {
  recomputeExclusions: { queue: QUEUES.exclusions, name: 'recompute' },
  evaluateAlerts: { queue: QUEUES.alerts, name: 'evaluate' },
  deliverAlert: { queue: QUEUES.alertDeliveries, name: DELIVER_JOB },
  deliverPolicyPush: { queue: QUEUES.policyPush, name: DELIVER_JOB },
  recoverPolicyPushes: { queue: QUEUES.policyPush, name: 'recover' },
  checkPolicyDrift: { queue: QUEUES.policyPush, name: 'drift' },
} as const;
export type JobId = keyof typeof JOBS;

/** What each job carries. */
export interface JobPayloads {
  recomputeExclusions: Record<string, never>;
  /** `now` (ISO) pins the evaluation time (tests, replays); absent: the latest window end in the data. */
  evaluateAlerts: { now?: string };
  /** `maxDelayMs` caps the backoff between tries (see `cappedBackoff`). */
  deliverAlert: { deliveryId: string; maxDelayMs: number };
  /** The exact body built at push time: every attempt sends the same bytes. */
  deliverPolicyPush: { pushId: string; body: string };
  /** `minAgeMs`: only pushes at least this old (younger ones may be between their row and their job). */
  recoverPolicyPushes: { minAgeMs?: number };
  checkPolicyDrift: Record<string, never>;
}

/** The custom backoff of alert deliveries, registered on its worker. */
export const CAPPED_BACKOFF = 'capped-exponential';

/** Exponential backoff that stops growing at the job's `maxDelayMs`: retries keep coming for days, not years apart. */
export function cappedBackoff(
  attemptsMade: number,
  _type?: string,
  _err?: Error,
  job?: { opts: { backoff?: number | { delay?: number } }; data?: { maxDelayMs?: number } },
): number {
  const b = job?.opts.backoff;
  const base = (typeof b === 'number' ? b : b?.delay) ?? 1000;
  return Math.min(Math.round(2 ** Math.max(0, attemptsMade - 1) * base), job?.data?.maxDelayMs ?? 3_600_000);
}

/** Default options per job, from the hub's settings; `addJob` callers add the job id. */
export function defaultJobOptions(job: JobId, config: HubConfig): JobsOptions {
  switch (job) {
    case 'recomputeExclusions':
    case 'recoverPolicyPushes':
    case 'checkPolicyDrift':
      return {};
    case 'evaluateAlerts':
      return { attempts: 3 };
    case 'deliverAlert':
      return {
        attempts: config.FLEETTUNE_ALERTS_DELIVERY_ATTEMPTS,
        backoff: { type: CAPPED_BACKOFF, delay: config.FLEETTUNE_ALERTS_DELIVERY_BACKOFF_MS },
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 5000 },
      };
    case 'deliverPolicyPush':
      return {
        attempts: config.FLEETTUNE_POLICY_PUSH_ATTEMPTS,
        backoff: { type: 'exponential', delay: config.FLEETTUNE_POLICY_PUSH_BACKOFF_MS },
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 1000 },
      };
  }
}

/**
 * Queues a job with its registered name, typed payload and default options
 * (`opts` override them), and returns once the job is on the Redis replicas
 * FLEETTUNE_REDIS_WAIT_REPLICAS asks for (waitForRedisReplicas).
 */
export async function addJob<K extends JobId>(queue: Queue, job: K, data: JobPayloads[K], config: HubConfig, opts: JobsOptions = {}) {
  const spec = JOBS[job];
  if (queue.name !== spec.queue) throw new Error(`job ${job} belongs to queue ${spec.queue}, not ${queue.name}`);
  const added = await queue.add(spec.name, data, { ...defaultJobOptions(job, config), ...opts });
  await waitForRedisReplicas(queue, config);
  return added;
}

/** What a processor declares: the registered jobs it handles. */
export interface JobHandler {
  readonly handles: readonly JobId[];
}

/** The registry entry of a job a worker received, or an error naming what it got. */
export function registeredJob(queue: string, name: string, handles: readonly JobId[]): JobId {
  const id = handles.find((h) => JOBS[h].queue === queue && JOBS[h].name === name);
  if (!id) throw new Error(`queue ${queue} has no handler for job "${name}"`);
  return id;
}

/**
 * Problems with a set of handlers (processor class name → queue it listens
 * on and jobs it declares): every job must have exactly one handler, on its
 * own queue.
 */
export function registryProblems(handlers: ReadonlyArray<{ name: string; queue: string; handles: readonly JobId[] }>): string[] {
  const problems: string[] = [];
  const count = new Map<JobId, string[]>();
  for (const h of handlers) {
    for (const job of h.handles) {
      if (!(job in JOBS)) {
        problems.push(`${h.name} declares unknown job ${job}`);
        continue;
      }
      if (JOBS[job].queue !== h.queue) problems.push(`${h.name} listens on queue ${h.queue} but declares ${job} of queue ${JOBS[job].queue}`);
      count.set(job, [...(count.get(job) ?? []), h.name]);
    }
  }
  for (const job of Object.keys(JOBS) as JobId[]) {
    const by = count.get(job) ?? [];
    if (by.length === 0) problems.push(`job ${job} (${JOBS[job].queue}/${JOBS[job].name}) has no handler`);
    if (by.length > 1) problems.push(`job ${job} has ${by.length} handlers: ${by.join(', ')}`);
  }
  return problems;
}
