import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import type {
  HostView as ContractHostView,
  NoiseRow as ContractNoiseRow,
  SubjectDetail,
  TrendPoint as ContractTrendPoint,
  TrendView as ContractTrendView,
} from '@fleettune/api-contract';
import { HostsQuery, NOISE_KINDS_PATH_LIKE, NoiseKind, TrendQuery } from './noise-query.dto';
import { AgentStatusRepository } from './agent-status.repository';
import { HostRepository, HostRow } from './host.repository';
import { NoiseQuery, NoiseRollupRepository } from './noise-rollup.repository';

/** Views as the hub builds them (Date timestamps); the contract lib is the one definition the dashboard shares. */
export type HostView = ContractHostView<Date>;
export type NoiseRow = ContractNoiseRow<Date>;
export type { NoiseQuery };
export type TrendPoint = ContractTrendPoint<Date>;
export type TrendView = ContractTrendView<Date>;

function hostStatus(lastSeenAt: Date | null, staleAfterSeconds: number, now = Date.now()): 'online' | 'stale' {
  return lastSeenAt && now - lastSeenAt.getTime() <= staleAfterSeconds * 1000 ? 'online' : 'stale';
}

/**
 * The dashboard's fleet queries: hosts with their agent health, noise top
 * lists, drill-downs and trends. The statements live in the repositories
 * (NoiseRollupRepository serves noise from the hourly rollups); this service
 * picks what to read and shapes the views.
 */
@Injectable()
export class FleetService {
  constructor(
    private readonly hosts: HostRepository,
    private readonly noise: NoiseRollupRepository,
    private readonly agentStatuses: AgentStatusRepository,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  /** REST always passes a page (HostsQuery defaults `limit`); in-process callers may omit it to get every host. */
  async listHosts(q: Omit<HostsQuery, 'limit'> & { limit?: number } = { offset: 0 }): Promise<{ rows: HostView[]; total: number }> {
    const staleBefore = new Date(Date.now() - this.config.FLEETTUNE_HOST_STALE_SECONDS * 1000);
    const { rows, total } = await this.hosts.page({
      os: q.os,
      tag: q.tag,
      q: q.q,
      ...(q.status ? { seen: { status: q.status, staleBefore } } : {}),
      offset: q.offset,
      limit: q.limit,
    });
    const now = Date.now();
    const statuses = await this.agentStatuses.latestFor(rows.map((h) => h.id));
    return { rows: rows.map((h) => this.hostView(h, statuses.get(h.id) ?? null, now)), total };
  }

  async host(id: string): Promise<HostView> {
    const found = await this.hosts.find(id);
    if (!found) throw new NotFoundException(`host ${id} not found`);
    const statuses = await this.agentStatuses.latestFor([id]);
    return this.hostView(found, statuses.get(id) ?? null);
  }

  private hostView({ status: enrollment, ...h }: HostRow, agentStatus: HostView['agentStatus'], now = Date.now()): HostView {
    return {
      ...h,
      tags: h.tags ?? [],
      status: hostStatus(h.lastSeenAt, this.config.FLEETTUNE_HOST_STALE_SECONDS, now),
      enrollment: enrollment as HostView['enrollment'],
      agentStatus,
    };
  }

  /** Replaces a host's tags (validated by the controller); duplicates collapse, stored sorted. */
  async setTags(id: string, tags: string[]): Promise<HostView> {
    const clean = [...new Set(tags)].sort();
    if (!(await this.hosts.setTags(id, clean))) throw new NotFoundException(`host ${id} not found`);
    return this.host(id);
  }

  topExecs(q: NoiseQuery): Promise<NoiseRow[]> {
    return this.topNoise('exec', q);
  }

  topFiles(q: NoiseQuery): Promise<NoiseRow[]> {
    return this.topNoise('file', q);
  }

  /** Top subjects of a kind over whole hours, with their rate over the windows that carried them. */
  async topNoise(kind: NoiseKind, q: NoiseQuery): Promise<NoiseRow[]> {
    const rows = await this.noise.topSubjects(kind, q);
    return rows.map((r) => {
      const count = Number(r.count);
      const seconds = Math.max(1, (r.last_window_end.getTime() - r.first_window_start.getTime()) / 1000);
      return {
        subject: r.subject,
        ...(NOISE_KINDS_PATH_LIKE.has(kind) ? { path: r.subject } : {}),
        count,
        hosts: r.hosts,
        ratePerSecond: Math.round((count / seconds) * 1000) / 1000,
        firstWindowStart: r.first_window_start,
        lastWindowEnd: r.last_window_end,
      };
    });
  }

  /** Drill-down: the hosts behind a subject, and (for execs) the parents that start it. */
  async subjectDetail(kind: NoiseKind, subject: string, q: Omit<NoiseQuery, 'top'>): Promise<SubjectDetail> {
    const { hosts, parents } = await this.noise.subjectDetail(kind, subject, q);
    return {
      hosts: hosts.map((h) => ({ hostId: h.host_id, hostname: h.hostname, count: Number(h.count) })),
      parents: parents.map((p) => ({ parent: p.parent, count: Number(p.count), hosts: p.hosts })),
    };
  }

  /** Picks the bucket for `auto` from the span of the data. */
  private async autoBucket(q: TrendQuery): Promise<'minute' | 'hour' | 'day'> {
    const span = await this.noise.batchWindowSpan(q.since, q.until);
    const seconds = span?.min && span.max ? (span.max.getTime() - span.min.getTime()) / 1000 : 0;
    return seconds <= 6 * 3600 ? 'minute' : seconds <= 21 * 86_400 ? 'hour' : 'day';
  }

  /** Minute buckets come from the raw count tables (finer than the rollups), hour and day buckets from the rollups. */
  async trend(q: TrendQuery): Promise<TrendView> {
    const chosen = q.bucket === 'auto' ? await this.autoBucket(q) : q.bucket;
    const rows = chosen === 'minute' ? await this.noise.rawMinuteTrend(q) : await this.noise.rollupTrend(q, chosen);
    const ordered = [...rows].reverse();
    return {
      kind: q.kind,
      subject: q.subject ?? null,
      bucket: chosen,
      points: ordered.map((r) => ({
        t: r.t,
        total: Number(r.total),
        ...(q.subject ? { subject: Number(r.subject ?? 0), subjectHosts: r.subject_hosts ?? 0 } : {}),
      })),
    };
  }
}
