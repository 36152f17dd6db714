import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import {
  ExclusionScope,
  ScopedExclusion,
  compareExclusionScope,
  describeScopeChange,
  exclusionIdentityKey,
  exclusionScopeDigest,
  exclusionScopeOf,
} from '@fleettune/rules';
import {
  EXCLUSION_DECISIONS,
  type DecisionHistoryRow,
  type DecisionResult,
  type ExclusionDecision,
  type DecisionView as ContractDecisionView,
} from '@fleettune/api-contract';
import { AuthenticatedPrincipal } from '../auth/api-token.guard';
import { ExclusionDecisionRepository } from './exclusion-decision.repository';

export const DECISIONS = EXCLUSION_DECISIONS;
export type Decision = ExclusionDecision;

/** The review state of an item as the hub builds it (Date timestamps); defined once in the contract lib. */
export type DecisionView = ContractDecisionView<Date>;

const PENDING: DecisionView = Object.freeze({ status: 'pending', history: 0 }) as DecisionView;

@Injectable()
export class ExclusionDecisionsService {
  constructor(private readonly repository: ExclusionDecisionRepository) {}

  async decide(
    itemId: string,
    body: { decision: Decision; comment: string; snoozeUntil?: string },
    principal: AuthenticatedPrincipal,
  ): Promise<DecisionResult<Date>> {
    if (!/^[0-9a-f-]{36}$/i.test(itemId)) throw new NotFoundException(`exclusion item ${itemId} not found`);
    const item = await this.repository.item(itemId);
    if (!item) throw new NotFoundException(`exclusion item ${itemId} not found`);
    // The decision signs exactly the scope of the row the reviewer looked at.
    const scope = exclusionScopeOf(item);
    let snoozeUntil: Date | null = null;
    if (body.decision === 'snoozed') {
      if (!body.snoozeUntil) throw new BadRequestException('snoozeUntil is required to snooze');
      snoozeUntil = new Date(body.snoozeUntil);
      if (!(snoozeUntil.getTime() > Date.now())) throw new BadRequestException('snoozeUntil must be in the future');
    } else if (body.snoozeUntil) {
      throw new BadRequestException('snoozeUntil is only for decision "snoozed"');
    }
    await this.repository.record({
      type: item.type,
      value: item.value,
      user: item.user,
      decision: body.decision,
      comment: body.comment,
      snoozeUntil,
      decidedBy: principal.name,
      decidedByTokenId: principal.tokenId,
      itemId: item.id,
      setVersion: item.set.version,
      scope: { ...scope },
      scopeDigest: exclusionScopeDigest(scope),
    });
    const decisions = await this.current([item]);
    return { item: { id: item.id, type: item.type, value: item.value, user: item.user }, decision: decisions.get(exclusionIdentityKey(item)) ?? PENDING };
  }

  /** Every decision ever made about the item's identity, newest first: the audit trail. */
  async history(itemId: string): Promise<DecisionHistoryRow<Date>[]> {
    if (!/^[0-9a-f-]{36}$/i.test(itemId)) throw new NotFoundException(`exclusion item ${itemId} not found`);
    const item = await this.repository.item(itemId);
    if (!item) throw new NotFoundException(`exclusion item ${itemId} not found`);
    const rows = await this.repository.ofIdentity(item);
    return rows.map((r) => ({
      decision: r.decision,
      comment: r.comment,
      snoozeUntil: r.snoozeUntil ?? undefined,
      decidedBy: r.decidedBy,
      decidedAt: r.decidedAt,
      setVersion: r.setVersion ?? undefined,
      itemId: r.itemId ?? undefined,
    }));
  }

  /**
   * Current decision per identity key, for the given items (pending ones are absent). Items must be
   * of one set (one item per identity). An approval holds only for the scope it was made on or a
   * strictly narrower one (compareExclusionScope): a widened item is pending, with what widened.
   */
  async current(items: readonly ScopedExclusion[], now = new Date()): Promise<Map<string, DecisionView>> {
    const out = new Map<string, DecisionView>();
    if (items.length === 0) return out;
    const byKey = new Map(items.map((i) => [exclusionIdentityKey({ type: i.type, value: i.value, user: i.user ?? '' }), i]));
    const rows = await this.repository.onValues([...new Set(items.map((i) => i.value))]);
    const counts = new Map<string, number>();
    for (const r of rows) {
      const key = exclusionIdentityKey(r);
      const item = byKey.get(key);
      if (!item) continue;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const expired = r.decision === 'snoozed' && r.snoozeUntil !== null && r.snoozeUntil <= now;
      const view: DecisionView = {
        status: expired ? 'pending' : (r.decision as Decision),
        comment: r.comment,
        snoozeUntil: r.snoozeUntil ?? undefined,
        decidedBy: r.decidedBy,
        decidedAt: r.decidedAt,
        setVersion: r.setVersion ?? undefined,
        history: 0,
      };
      const decided = storedScope(r.scope);
      if (decided) view.scopeDigest = r.scopeDigest ?? exclusionScopeDigest(decided);
      // Rejections and snoozes stand whatever the scope became: only an approval is a permission to widen.
      if (view.status === 'approved') {
        if (!decided) {
          view.status = 'pending';
          view.widened = ['approved before approvals bound their scope; review again'];
        } else {
          const cmp = compareExclusionScope(decided, exclusionScopeOf(item));
          if (cmp.relation === 'widened') {
            view.status = 'pending';
            view.widened = cmp.changes.filter((c) => c.direction === 'widened').map(describeScopeChange);
          } else if (cmp.relation === 'narrower') {
            view.narrowed = cmp.changes.map(describeScopeChange);
          }
        }
      }
      out.set(key, view);
    }
    for (const [k, v] of out) v.history = counts.get(k) ?? 0;
    return out;
  }

  static pending(): DecisionView {
    return { ...PENDING };
  }
}

/** A decision's stored scope, or undefined when it has none or it is not one (never trust a malformed row). */
function storedScope(raw: unknown): ExclusionScope | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  if (typeof o.type !== 'string' || typeof o.value !== 'string' || typeof o.user !== 'string') return undefined;
  if (typeof o.applyToChildren !== 'boolean' || typeof o.isDirectory !== 'boolean' || typeof o.globalScopeEligible !== 'boolean') return undefined;
  if (o.riskLevel !== 'low' && o.riskLevel !== 'medium' && o.riskLevel !== 'high') return undefined;
  if (!Array.isArray(o.riskFlags) || !o.riskFlags.every((f) => typeof f === 'string')) return undefined;
  if (o.platform !== undefined && typeof o.platform !== 'string') return undefined;
  return {
    type: o.type,
    value: o.value,
    user: o.user,
    applyToChildren: o.applyToChildren,
    isDirectory: o.isDirectory,
    globalScopeEligible: o.globalScopeEligible,
    riskLevel: o.riskLevel,
    riskFlags: [...(o.riskFlags as string[])].sort(),
    ...(o.platform !== undefined ? { platform: o.platform as string } : {}),
  };
}
