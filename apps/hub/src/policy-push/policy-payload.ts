import { EXPORT_FORMATS, ExportFormatId, exportPlatform } from '@fleettune/exporters';
import { ExclusionType, itemPlatforms, itemsForPlatform } from '@fleettune/rules';
import type { ExclusionItemView } from '../exclusions/exclusion-sets.service';

export interface PushedItem {
  type: ExclusionType;
  value: string;
  user: string;
  isDirectory: boolean;
  applyToChildren: boolean;
  globalScopeEligible: boolean;
  reason: string;
  risk: unknown;
  /** The platforms the item is for (issue 19 item 5): each format carries its platform's items only. */
  platforms: string[];
  approvedBy?: string;
  approvedAt?: Date;
  comment?: string;
  /** audit-dir: the one initiator of the directory's records, for auditd's exe + dir form. */
  evidence?: { auditInitiator?: string };
}

export function pushedItems(items: readonly ExclusionItemView[]): PushedItem[] {
  return items.map((i) => ({
    type: i.type,
    value: i.value,
    user: i.user,
    isDirectory: i.isDirectory,
    applyToChildren: i.applyToChildren,
    globalScopeEligible: i.globalScopeEligible,
    reason: i.reason,
    risk: i.risk,
    platforms: itemPlatforms(i),
    approvedBy: i.decision.decidedBy,
    approvedAt: i.decision.decidedAt,
    comment: i.decision.comment,
    ...(auditInitiatorOf(i) ? { evidence: { auditInitiator: auditInitiatorOf(i) } } : {}),
  }));
}

function auditInitiatorOf(i: ExclusionItemView): string | undefined {
  const a = (i.evidence as { auditInitiator?: unknown } | null | undefined)?.auditInitiator;
  return typeof a === 'string' ? a : undefined;
}

/** Every export format of the items, as the webhook body carries them. */
export function allExports(items: readonly PushedItem[]) {
  const out: Record<
    string,
    { fileName: string; contentType: string; content: string; skipped: { value: string; reason: string }[]; partial: { value: string; reason: string }[] }
  > = {};
  const setPlatforms = new Set(items.flatMap((i) => i.platforms));
  for (const id of Object.keys(EXPORT_FORMATS) as ExportFormatId[]) {
    const f = EXPORT_FORMATS[id];
    // Each format with its platform's items (export-platforms.ts), as a pull without os= serves it.
    const r = f.exporter.export(itemsForPlatform(items, exportPlatform(id, undefined, setPlatforms)));
    out[id] = {
      fileName: f.fileName,
      contentType: f.contentType,
      content: r.content,
      skipped: r.skipped.map((s) => ({ value: s.item.value, reason: s.reason })),
      partial: (r.partial ?? []).map((s) => ({ value: s.item.value, reason: s.reason })),
    };
  }
  return out;
}
