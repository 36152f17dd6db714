import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AgentStatusMetricsService } from './agent-status-metrics.service';
import { FleetMetricsService } from './fleet-metrics.service';
import { IngestMetrics } from './ingest-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics-registry';
import { MetricsRepository } from './metrics.repository';
import { QueueMetricsService } from './queue-metrics.service';
import { ReplicaLagMetricsService } from './replica-lag-metrics.service';
import { ReplicaLagRepository } from './replica-lag.repository';
import { RollupMetrics } from './rollup-metrics';

/** Prometheus metrics (GET /metrics). Global so any module can inject IngestMetrics. */
@Global()
@Module({
  imports: [DiscoveryModule],
  controllers: [MetricsController],
  providers: [
    MetricsRegistry,
    MetricsRepository,
    IngestMetrics,
    QueueMetricsService,
    FleetMetricsService,
    AgentStatusMetricsService,
    RollupMetrics,
    ReplicaLagRepository,
    ReplicaLagMetricsService,
  ],
  exports: [MetricsRegistry, IngestMetrics, RollupMetrics],
})
export class MetricsModule {}
