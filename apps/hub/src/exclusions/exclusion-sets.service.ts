import { Injectable, NotFoundException } from '@nestjs/common';
import type { ExclusionSetDiffView, ExclusionSetView as ContractExclusionSetView } from '@fleettune/api-contract';
import { ExclusionItem, ExclusionSetDiff, HostScopedSuggestion, exclusionIdentityKey } from '@fleettune/rules';
import { DecisionView, ExclusionDecisionsService } from './exclusion-decisions.service';
import { ExclusionSetRepository } from './exclusion-set.repository';

/** An item as the hub builds it: the engine's item (narrower than the contract's) with its id and decision. */
export type ExclusionItemView = ExclusionItem & { id: string; decision: DecisionView };

/** A set version as the hub builds it: the contract's view with the engine's item types (so exporters take them). */
export type ExclusionSetView = Omit<ContractExclusionSetView<Date>, 'items' | 'hostScopedSuggestions'> & {
  items: ExclusionItemView[];
  hostScopedSuggestions: HostScopedSuggestion[];
};

export type { ExclusionSetDiffView };

type ItemRow = {
  id: string;
  type: string;
  value: string;
  isDirectory: boolean;
  globalScopeEligible: boolean;
  user: string;
  applyToChildren: boolean;
  reason: string;
  risk: unknown;
  evidence: unknown;
};

@Injectable()
export class ExclusionSetsService {
  constructor(
    private readonly sets: ExclusionSetRepository,
    private readonly decisions: ExclusionDecisionsService,
  ) {}

  async latest(): Promise<ExclusionSetView> {
    const set = await this.sets.latestWithItems();
    if (!set) throw new NotFoundException('no exclusion set has been computed yet; POST /api/v1/exclusion-sets/recompute');
    return this.view(set);
  }

  async byId(id: string): Promise<ExclusionSetView> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundException(`exclusion set ${id} not found`);
    const set = await this.sets.withItems(id);
    if (!set) throw new NotFoundException(`exclusion set ${id} not found`);
    return this.view(set);
  }

  /** The newest set's id, or null before the first recompute. */
  latestId(): Promise<string | null> {
    return this.sets.latestId();
  }

  /** The items of a set whose current decision is approved: the only ones pushed or pulled. */
  async approvedItems(id: string): Promise<{ set: ExclusionSetView; items: ExclusionItemView[] }> {
    const set = await this.byId(id);
    return { set, items: set.items.filter((i) => i.decision.status === 'approved') };
  }

  async diff(id: string): Promise<ExclusionSetDiffView> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundException(`exclusion set ${id} not found`);
    const set = await this.sets.diff(id);
    if (!set) throw new NotFoundException(`exclusion set ${id} not found`);
    const diff = (set.diff as ExclusionSetDiff | null) ?? { added: [], removed: [], changed: [], unchanged: 0 };
    return { setId: set.id, version: set.version, previousSetId: set.previousSetId, previousVersion: set.previousVersion, ...diff };
  }

  private async view(set: {
    id: string;
    version: number;
    createdAt: Date;
    params: unknown;
    previousSetId: string | null;
    items: ItemRow[];
  }): Promise<ExclusionSetView> {
    const decisions = await this.decisions.current(set.items);
    return {
      id: set.id,
      version: set.version,
      createdAt: set.createdAt,
      params: set.params,
      previousSetId: set.previousSetId,
      hostScopedSuggestions: suggestionsOf(set.params),
      items: set.items
        .map(
          (i) =>
            ({
              id: i.id,
              type: i.type,
              value: i.value,
              isDirectory: i.isDirectory,
              globalScopeEligible: i.globalScopeEligible,
              user: i.user,
              applyToChildren: i.applyToChildren,
              reason: i.reason,
              risk: i.risk,
              evidence: i.evidence,
              decision: decisions.get(exclusionIdentityKey(i)) ?? ExclusionDecisionsService.pending(),
            }) as ExclusionItemView,
        )
        .sort((a, b) => (b.evidence?.totalCount ?? 0) - (a.evidence?.totalCount ?? 0) || a.value.localeCompare(b.value)),
    };
  }
}

function suggestionsOf(params: unknown): HostScopedSuggestion[] {
  const list = params && typeof params === 'object' ? (params as { hostScopedSuggestions?: unknown }).hostScopedSuggestions : undefined;
  return Array.isArray(list) ? (list as HostScopedSuggestion[]) : [];
}
