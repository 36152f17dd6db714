import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { JobHandler, registryProblems } from './job-registry';

// Where @Processor() stores its options (@nestjs/bullmq's PROCESSOR_METADATA, not re-exported by its index).
const PROCESSOR_METADATA = 'bullmq:processor_metadata';

/**
 * Refuses to start a hub whose processors do not cover the job registry
 * exactly once each: a job nobody handles would sit in Redis forever, and two
 * handlers would both run it.
 */
@Injectable()
export class JobRegistryCheck implements OnModuleInit {
  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const handlers: Array<{ name: string; queue: string; handles: JobHandler['handles'] }> = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!(instance instanceof WorkerHost)) continue;
      const meta = Reflect.getMetadata(PROCESSOR_METADATA, instance.constructor) as { name?: string } | string | undefined;
      const queue = typeof meta === 'string' ? meta : (meta?.name ?? '');
      handlers.push({ name: instance.constructor.name, queue, handles: (instance as Partial<JobHandler>).handles ?? [] });
    }
    const problems = registryProblems(handlers);
    if (problems.length) throw new Error(`job registry check failed:\n  ${problems.join('\n  ')}`);
  }
}
