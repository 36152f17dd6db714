import type { AuditLogView as ContractAuditLogView } from '@fleettune/api-contract';
import { Injectable, Logger } from '@nestjs/common';
import type { AuthenticatedPrincipal } from '../auth/api-token.guard';
import { AuditLogQuery, AuditLogRepository } from './audit-log.repository';

export interface AuditActor {
  /** "token:<name>", "cli", "system". */
  actor: string;
  role?: string | null;
  tokenId?: string | null;
}

export interface AuditRecord {
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
}

export type AuditLogView = ContractAuditLogView<Date>;

// URLs too: a Slack incoming-webhook URL is its own credential, and any webhook URL may carry one in its query.
const SECRET_KEY = /secret|token|password|passphrase|authorization|credential|cookie|pepper|private.?key|url$|uri$/i;

/** Copies a JSON-ish value, replacing anything under a secret-looking key and bounding its size. */
export function redactDetails(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > 2000 ? `${value.slice(0, 2000)}…` : value;
  if (depth > 4) return '…';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactDetails(v, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, 50)) {
      out[k] = SECRET_KEY.test(k) ? '[redacted]' : redactDetails(v, depth + 1);
    }
    return out;
  }
  return undefined;
}

export function actorOf(principal: AuthenticatedPrincipal | undefined): AuditActor {
  return principal ? { actor: `token:${principal.name}`, role: principal.role, tokenId: principal.tokenId } : { actor: 'anonymous' };
}

/**
 * The audit log of every write. Global: any module may inject it and call
 * `record(actorOf(req.principal), {action: 'exclusion-item.decide', ...})`.
 * Every POST/PUT/PATCH/DELETE under /api is also recorded by AuditLogInterceptor.
 */
@Injectable()
export class AuditLogService {
  private readonly logger = new Logger(AuditLogService.name);

  constructor(private readonly repository: AuditLogRepository) {}

  async record(who: AuditActor, what: AuditRecord): Promise<void> {
    try {
      await this.repository.insert({
        actor: who.actor.slice(0, 200),
        actorRole: who.role ?? null,
        tokenId: who.tokenId ?? null,
        action: what.action.slice(0, 200),
        targetType: what.targetType?.slice(0, 100) ?? null,
        targetId: what.targetId?.slice(0, 200) ?? null,
        details: what.details ? redactDetails(what.details) : null,
      });
    } catch (err) {
      // An audit write must never turn a successful action into an error; it is logged loudly instead.
      this.logger.error(`could not write audit log entry ${what.action}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async list(q: AuditLogQuery): Promise<AuditLogView[]> {
    const rows = await this.repository.list(q);
    return rows.map((r) => ({ ...r, id: r.id.toString() }));
  }
}
