import { Injectable } from '@nestjs/common';
import type { PushHistoryRow as ContractPushHistoryRow } from '@fleettune/api-contract';
import { Page, decodeCursor, encodeCursor } from '../common/pagination';
import { PolicyPushRepository } from './policy-push.repository';
import { publicDeliveryError, publicStatusCode } from '../webhooks/signed-webhook-sender';

/** One push (webhook) or served pull, fleet-wide, as viewers may see it (the API contract's row, Date timestamps). */
export type PushHistoryRow = ContractPushHistoryRow<Date>;

export interface PushHistoryQuery {
  limit: number;
  cursor?: string;
  targetId?: string;
  status?: string;
  mode?: string;
  since?: Date;
  until?: Date;
}

type Cursor = { c: string; i: string };
const isCursor = (v: Record<string, unknown>): v is Cursor =>
  typeof v.c === 'string' && !Number.isNaN(Date.parse(v.c)) && typeof v.i === 'string' && /^[0-9a-f-]{36}$/i.test(v.i);

@Injectable()
export class PushHistoryService {
  constructor(private readonly pushes: PolicyPushRepository) {}

  /**
   * Every push and served pull of every target, newest first. Keyset paging on
   * (createdAt, id) so new pushes arriving between pages neither repeat nor skip rows.
   * Without `detailed` (non-admins), failures read as a generic error and
   * error status codes are left out: they would tell which internal targets
   * answer and how.
   */
  async list(q: PushHistoryQuery, detailed = false): Promise<Page<PushHistoryRow>> {
    const err = (e: string | null) => (detailed ? e : publicDeliveryError(e));
    const code = (c: number | null) => (detailed ? c : publicStatusCode(c));
    let after: { createdAt: Date; id: string } | undefined;
    if (q.cursor) {
      const c = decodeCursor(q.cursor, isCursor);
      after = { createdAt: new Date(c.c), id: c.i };
    }
    const { rows, total } = await this.pushes.historyPage(q, after, q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((p) => {
        const a = p.attemptLog[0];
        return {
          id: p.id,
          target: { id: p.target.id, name: p.target.name, kind: p.target.kind, deleted: p.target.deletedAt !== null },
          set: { id: p.setId, version: p.setVersion },
          mode: p.mode,
          format: p.format,
          itemCount: p.itemCount,
          status: p.status,
          attempts: p.attempts,
          requestedBy: p.requestedBy,
          createdAt: p.createdAt,
          finishedAt: p.deliveredAt,
          lastStatusCode: code(p.lastStatusCode),
          lastError: err(p.lastError),
          commitSha: p.commitSha,
          verified: p.verified,
          lastAttempt: a ? { attempt: a.attempt, at: a.at, statusCode: code(a.statusCode), error: err(a.error), durationMs: a.durationMs } : null,
        };
      }),
      nextCursor: rows.length > q.limit && last ? encodeCursor({ c: last.createdAt.toISOString(), i: last.id }) : null,
      total,
    };
  }
}
