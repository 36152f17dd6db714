import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { Job, Queue } from 'bullmq';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from './metrics-registry';

const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed', 'paused'] as const;

/**
 * BullMQ metrics for every queue registered in the app (found through Nest's
 * DiscoveryService, so queues added by other modules are covered without
 * edits here) and every worker (@Processor) running in this process.
 *
 * Queue depth is read from Redis at scrape time and is the same on every hub
 * replica: aggregate it with max(), not sum(). Job durations and results are
 * per process (jobs this replica ran): sum() them.
 */
@Injectable()
export class QueueMetricsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(QueueMetricsService.name);
  private readonly queues = new Map<string, Queue>();
  private readonly jobSeconds: Histogram<'queue' | 'name' | 'result'>;
  private readonly jobWaitSeconds: Histogram<'queue' | 'name'>;
  private readonly jobs: Counter<'queue' | 'name' | 'result'>;

  constructor(
    private readonly discovery: DiscoveryService,
    metrics: MetricsRegistry,
  ) {
    const queues = this.queues;
    const logger = this.logger;
    new Gauge({
      name: 'fleettune_queue_jobs',
      help: 'Jobs in a BullMQ queue by state (read from Redis at scrape time; same on every replica)',
      labelNames: ['queue', 'state'],
      registers: [metrics.registry],
      async collect() {
        this.reset();
        await Promise.all(
          [...queues.entries()].map(async ([name, queue]) => {
            try {
              const counts = await withTimeout(queue.getJobCounts(...JOB_STATES), 2_000);
              for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
            } catch (err) {
              logger.warn(`queue ${name}: job counts unavailable (${err instanceof Error ? err.message : String(err)})`);
            }
          }),
        );
      },
    });
    this.jobSeconds = metrics.histogram(
      'fleettune_job_duration_seconds',
      'BullMQ job run time (processedOn to finishedOn) for jobs this process ran',
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      ['queue', 'name', 'result'],
    );
    this.jobWaitSeconds = metrics.histogram(
      'fleettune_job_wait_seconds',
      'BullMQ job time in queue (timestamp to processedOn; includes any delay) for jobs this process ran',
      [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
      ['queue', 'name'],
    );
    this.jobs = metrics.counter('fleettune_jobs_total', 'BullMQ jobs finished by this process, by result (completed | failed)', ['queue', 'name', 'result']);
  }

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (instance instanceof Queue) this.queues.set(instance.name, instance);
      if (instance instanceof WorkerHost) {
        let worker: WorkerHost['worker'] | undefined;
        try {
          worker = instance.worker;
        } catch {
          worker = undefined;
        }
        if (!worker) continue;
        const queue = worker.name;
        worker.on('completed', (job: Job) => this.observe(queue, job, 'completed'));
        worker.on('failed', (job: Job | undefined) => job && this.observe(queue, job, 'failed'));
      }
    }
  }

  /** Queue names being reported, for tests and logs. */
  get queueNames(): string[] {
    return [...this.queues.keys()].sort();
  }

  private observe(queue: string, job: Job, result: 'completed' | 'failed'): void {
    const labels = { queue, name: job.name };
    this.jobs.inc({ ...labels, result });
    if (job.processedOn && job.finishedOn) this.jobSeconds.observe({ ...labels, result }, (job.finishedOn - job.processedOn) / 1000);
    if (job.processedOn && job.timestamp) this.jobWaitSeconds.observe(labels, Math.max(0, job.processedOn - job.timestamp) / 1000);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}
