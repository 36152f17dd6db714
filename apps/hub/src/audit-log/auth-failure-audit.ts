import { Injectable } from '@nestjs/common';
import { AuditActor, AuditLogService } from './audit-log.service';

export interface AuthFailure {
  /** `rest` (401/403 on /api) or `grpc` (agent authentication). */
  channel: 'rest' | 'grpc';
  /** 401 / 403 for REST, the gRPC status name for agents. */
  outcome: string;
  reason: string;
  /** Who was refused: the client address (anonymous) or the token's name (403). */
  client: string;
  route?: string;
  actor?: AuditActor;
}

/** Per client and per minute, at most this many failures are written; the rest are counted. */
export const PER_CLIENT_PER_MINUTE = 5;
/** All clients together: a spray from many addresses cannot flood the log either. */
export const TOTAL_PER_MINUTE = 120;
const WINDOW_MS = 60_000;

/**
 * Audits authentication and authorization failures without letting a
 * guesser flood the audit log: a fixed one-minute window per client and
 * overall; what is over the limit is only counted, and the count rides on
 * the next entry written for that client (`suppressedBefore`), so the log
 * says how much was left out.
 */
@Injectable()
export class AuthFailureAudit {
  private windowStart = 0;
  private total = 0;
  private readonly perClient = new Map<string, { written: number; suppressed: number }>();

  constructor(private readonly audit: AuditLogService) {}

  record(f: AuthFailure, now = Date.now()): boolean {
    if (now - this.windowStart >= WINDOW_MS) {
      this.windowStart = now;
      this.total = 0;
      // Keep only the suppressed counts still to be reported.
      for (const [k, v] of this.perClient) {
        if (v.suppressed === 0) this.perClient.delete(k);
        else v.written = 0;
      }
    }
    const key = `${f.channel}:${f.client}`;
    const c = this.perClient.get(key) ?? { written: 0, suppressed: 0 };
    this.perClient.set(key, c);
    if (c.written >= PER_CLIENT_PER_MINUTE || this.total >= TOTAL_PER_MINUTE) {
      c.suppressed++;
      if (this.perClient.size > 100_000) this.perClient.clear();
      return false;
    }
    c.written++;
    this.total++;
    const suppressedBefore = c.suppressed;
    c.suppressed = 0;
    void this.audit.record(f.actor ?? { actor: 'anonymous' }, {
      action: `auth.failure.${f.channel}`,
      targetType: 'auth',
      details: {
        outcome: f.outcome,
        reason: f.reason,
        client: f.client,
        ...(f.route ? { route: f.route } : {}),
        ...(suppressedBefore ? { suppressedBefore } : {}),
      },
    });
    return true;
  }
}
