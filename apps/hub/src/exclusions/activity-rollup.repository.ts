import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { APPLY_STATEMENTS, BATCHES_SQL, ENSURE_HOST_SEQ_SQL, TAKE_PENDING_SQL } from './rollup-apply-sql';

/** One advisory lock for the whole cluster: several hub replicas never apply the same batches twice or concurrently. */
export const ROLLUP_LOCK_KEY = 0x666c74756e65; // "fltune"

const TRANSACTION_OPTIONS = { maxWait: 60_000, timeout: 30 * 60_000 } as const;

/** The rollup worker's write: one step of pending batches applied to every rollup (statements in rollup-apply-sql.ts). */
@Injectable()
export class ActivityRollupRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * One transaction: takes up to `maxBatches` pending batches, applies them to
   * every rollup and deletes their pending rows. Returns the batches applied,
   * or -1 when another process holds the lock and `wait` is false.
   */
  applyPendingStep(wait: boolean, maxBatches: number): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      if (wait) await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${ROLLUP_LOCK_KEY})`);
      else {
        const [got] = await tx.$queryRawUnsafe<Array<{ ok: boolean }>>(`SELECT pg_try_advisory_xact_lock(${ROLLUP_LOCK_KEY}) AS ok`);
        if (!got?.ok) return -1;
      }
      // Joins and sorts of a step stay in memory; the commit need not wait for the WAL flush: a step
      // lost in a crash is lost with the deletion of its pending rows, so it is simply applied again.
      await tx.$executeRawUnsafe(`SET LOCAL work_mem = '256MB'`);
      await tx.$executeRawUnsafe('SET LOCAL synchronous_commit = off');
      // Staged rows join on text: hashing beats sorting them under the collation (temp tables have no statistics).
      await tx.$executeRawUnsafe('SET LOCAL enable_mergejoin = off');
      const taken = await tx.$executeRawUnsafe(TAKE_PENDING_SQL(maxBatches));
      if (taken === 0) return 0;
      await tx.$executeRawUnsafe(ENSURE_HOST_SEQ_SQL);
      await tx.$executeRawUnsafe(BATCHES_SQL);
      // The planner must know _rb is small next to the raw tables (index lookups, not scans).
      await tx.$executeRawUnsafe('ANALYZE _rb');
      for (const s of APPLY_STATEMENTS) {
        await tx.$executeRawUnsafe(s.sql);
      }
      return taken;
    }, TRANSACTION_OPTIONS);
  }
}
