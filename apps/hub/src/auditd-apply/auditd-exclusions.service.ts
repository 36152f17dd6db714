import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { itemsForPlatform } from '@fleettune/rules';
import { ExclusionSetsService } from '../exclusions/exclusion-sets.service';
import { AuditdApplyReportRepository } from './auditd-apply-report.repository';

export interface ServedAuditdItem {
  itemId: string;
  type: 'audit-exe' | 'audit-dir';
  value: string;
  /** audit-dir: the one program muted there; '' = every program. */
  initiator: string;
}

export interface ServedAuditdExclusions {
  etag: string;
  setId: string;
  setVersion: number;
  items: ServedAuditdItem[];
}

/**
 * The approved auditd items an agent applies on its host (issue 14 item 2): the latest set's items
 * whose current decision is approved (the scope-bound approvals of ExclusionSetsService, the same
 * rule as every export and push), Linux items only, of the two types the auditd export writes
 * (audit-exe, audit-dir: measured on audit records). A darwin host gets none. An item removed from
 * the set or no longer approved drops out, so the agent removes its rule.
 *
 * The etag is a digest of what the agent builds rules from (type, value, initiator), not of item ids
 * or set versions: a recompute that changes nothing for auditd costs the agents nothing.
 */
@Injectable()
export class AuditdExclusionsService {
  /** Every agent polls and the answer changes only with a new set or a new decision: computed once per (set, newest decision). */
  private cached: { key: string; value: Promise<ServedAuditdExclusions> } | undefined;

  constructor(
    private readonly sets: ExclusionSetsService,
    private readonly reports: AuditdApplyReportRepository,
  ) {}

  async forHost(hostId: string): Promise<ServedAuditdExclusions> {
    const os = await this.reports.hostOs(hostId);
    const linux = await this.linuxItems();
    return os === 'linux' ? linux : { ...linux, items: [], etag: etagOf([]) };
  }

  private async linuxItems(): Promise<ServedAuditdExclusions> {
    const state = await this.reports.reviewState();
    const key = `${state.latestSetId ?? ''}/${state.newestDecisionId ?? ''}`;
    if (this.cached?.key === key) return this.cached.value;
    const value = this.compute(state.latestSetId);
    this.cached = { key, value };
    value.catch(() => {
      if (this.cached?.value === value) this.cached = undefined;
    });
    return value;
  }

  private async compute(latestSetId: string | null): Promise<ServedAuditdExclusions> {
    if (!latestSetId) return { etag: etagOf([]), setId: '', setVersion: 0, items: [] };
    const { set, items } = await this.sets.approvedItems(latestSetId);
    const served = itemsForPlatform(items, 'linux')
      .filter((i) => i.type === 'audit-exe' || i.type === 'audit-dir')
      .map((i): ServedAuditdItem => ({
        itemId: i.id,
        type: i.type as 'audit-exe' | 'audit-dir',
        value: i.value,
        initiator: (i.type === 'audit-dir' ? i.evidence?.auditInitiator : undefined) ?? '',
      }))
      .sort((a, b) => a.type.localeCompare(b.type) || a.value.localeCompare(b.value) || a.initiator.localeCompare(b.initiator));
    return { etag: etagOf(served), setId: set.id, setVersion: set.version, items: served };
  }
}

function etagOf(items: readonly ServedAuditdItem[]): string {
  const h = createHash('sha256');
  for (const i of items) h.update(`${i.type}\u0000${i.value}\u0000${i.initiator}\u0001`);
  return `sha256:${h.digest('hex').slice(0, 32)}`;
}
