import { EXPORT_FORMATS, ExportFormatId } from '@fleettune/exporters';
import type { PushedItem } from './policy-payload';

export interface GitPolicyFile {
  /** Path inside the target's directory: the format's stable download name. */
  name: string;
  content: string;
}

export interface GitPolicyCommit {
  files: GitPolicyFile[];
  message: string;
}

/**
 * What a git push commits: one file per export format under its stable name,
 * and the commit message. The files depend on the approved items only (sorted,
 * no timestamps, no set version, no push id), so pushing the same approved
 * items again, even from a newer set version, leaves the tree unchanged and
 * makes no commit. Who approved and which version go in the message.
 */
export function gitPolicyCommit(set: { id: string; version: number }, items: readonly PushedItem[], pushId: string): GitPolicyCommit {
  const sorted = [...items].sort((a, b) => cmp(a.type, b.type) || cmp(a.value, b.value) || cmp(a.user, b.user));
  const files: GitPolicyFile[] = [];
  const notes: string[] = [];
  for (const id of (Object.keys(EXPORT_FORMATS) as ExportFormatId[]).sort()) {
    const f = EXPORT_FORMATS[id];
    const r = f.exporter.export(sorted);
    files.push({ name: f.fileName, content: r.content });
    if (r.skipped.length) notes.push(`${f.fileName}: ${r.skipped.length} item(s) this format cannot carry `);
  }
  const approvers = [...new Set(items.map((i) => i.approvedBy?.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()).filter((a): a is string => Boolean(a)))].sort();
  const message = [
    `fleettune: exclusion set v${set.version}, ${items.length} approved item(s)`,
    '',
    `Approved by: ${approvers.length ? approvers.join(', ') : '(no approved items)'}`,
    `Set: ${set.id} (version ${set.version})`,
    `Push: ${pushId}`,
    ...(notes.length ? ['', ...notes] : []),
    '',
  ].join('\n');
  return { files, message };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
