import { Injectable } from '@nestjs/common';
import { CountBatch } from '@fleettune/proto';
import { PrismaService } from '../database/prisma.service';

export type IngestOutcome = 'committed' | 'duplicate';

/**
 * Stores a batch and its counts in one transaction. The (host, sequence)
 * primary key of ingest_batches makes a resent batch a no-op: at-least-once
 * delivery from the agent becomes exactly-once in effect.
 */
@Injectable()
export class BatchIngestService {
  constructor(private readonly prisma: PrismaService) {}

  async ingest(hostId: string, batch: CountBatch): Promise<IngestOutcome> {
    const windowStart = new Date(batch.windowStartMs);
    const windowEnd = new Date(batch.windowEndMs);
    const sequence = BigInt(batch.sequence);
    return this.prisma.$transaction(async (tx) => {
      const inserted = await tx.$executeRaw`
        INSERT INTO ingest_batches (host_id, sequence, source, window_start, window_end, events, skipped, dropped)
        VALUES (${hostId}::uuid, ${sequence}, ${batch.source}, ${windowStart}, ${windowEnd},
                ${BigInt(batch.events)}, ${BigInt(batch.skipped)}, ${BigInt(batch.dropped)})
        ON CONFLICT (host_id, sequence) DO NOTHING`;
      if (inserted === 0) return 'duplicate';
      const common = { hostId, sequence, windowStart };
      if (batch.execs.length) {
        await tx.execCount.createMany({
          data: batch.execs.map((r) => ({
            ...common,
            windowEnd,
            source: batch.source,
            path: r.path,
            parentPath: r.parentPath,
            user: r.user,
            count: BigInt(r.count),
          })),
        });
      }
      if (batch.files.length) {
        await tx.fileCount.createMany({
          data: batch.files.map((r) => ({
            ...common,
            windowEnd,
            source: batch.source,
            path: r.path,
            op: r.op,
            processPath: r.processPath,
            count: BigInt(r.count),
          })),
        });
      }
      if (batch.auditKeys.length) {
        await tx.auditKeyCount.createMany({
          data: batch.auditKeys.map((r) => ({ ...common, key: r.name, count: BigInt(r.count) })),
        });
      }
      if (batch.syscalls.length) {
        await tx.syscallCount.createMany({
          data: batch.syscalls.map((r) => ({ ...common, syscall: r.name, count: BigInt(r.count) })),
        });
      }
      await tx.host.update({ where: { id: hostId }, data: { lastSeenAt: new Date() } });
      return 'committed';
    });
  }
}
