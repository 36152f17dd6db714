import { Injectable } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One prom-client registry per hub instance (not prom-client's global one),
 * so several hubs started in one test process do not collide. Process
 * metrics (CPU, RSS, heap, event-loop lag, GC, handles) come from
 * collectDefaultMetrics with the fleettune_ prefix.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'fleettune_' });
  }
}
