import { Inject, Injectable } from '@nestjs/common';
import { Prisma, PrismaClient } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';

/** One audit-log row as written: the caller has already bounded and redacted it. */
export interface AuditLogRow {
  actor: string;
  actorRole?: string | null;
  tokenId?: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  /** Null stores SQL NULL. */
  details: unknown;
}

export interface AuditLogQuery {
  limit: number;
  beforeId?: bigint;
  action?: string;
  actor?: string;
  since?: Date;
  until?: Date;
}

/** The audit log's data access; the hub's AuditLogService and the admin CLI both write through it. */
@Injectable()
export class AuditLogRepository {
  // Typed as the client, not the Nest service, so the CLI can hand in its own short-lived client.
  constructor(@Inject(PrismaService) private readonly prisma: PrismaClient) {}

  async insert(row: AuditLogRow): Promise<void> {
    await this.prisma.auditLogEntry.create({
      data: {
        actor: row.actor,
        actorRole: row.actorRole ?? null,
        tokenId: row.tokenId ?? null,
        action: row.action,
        targetType: row.targetType,
        targetId: row.targetId,
        details: row.details === null || row.details === undefined ? Prisma.DbNull : (row.details as Prisma.InputJsonValue),
      },
    });
  }

  /** Newest first, keyset-paged by id. */
  list(q: AuditLogQuery) {
    return this.prisma.auditLogEntry.findMany({
      where: {
        ...(q.beforeId !== undefined ? { id: { lt: q.beforeId } } : {}),
        ...(q.action ? { action: { startsWith: q.action } } : {}),
        ...(q.actor ? { actor: q.actor } : {}),
        ...(q.since || q.until ? { at: { ...(q.since ? { gte: q.since } : {}), ...(q.until ? { lt: q.until } : {}) } } : {}),
      },
      orderBy: { id: 'desc' },
      take: q.limit,
    });
  }
}
