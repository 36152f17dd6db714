import { Injectable } from '@nestjs/common';
import { ReadReplicaService } from '../database/read-replica.service';

/** How far the read replica (DATABASE_READ_URL) is behind, as it sees itself. */
export interface ReplicaLag {
  /** False when DATABASE_READ_URL points at a server that is not a standby (then it has no lag). */
  inRecovery: boolean;
  lagSeconds: number;
  /** WAL received but not yet replayed, bytes. */
  replayBacklogBytes: number;
}

/** The replica-lag statement, run on the replica itself (never read around on the primary). */
@Injectable()
export class ReplicaLagRepository {
  constructor(private readonly reads: ReadReplicaService) {}

  /** DATABASE_READ_URL is set. */
  get configured(): boolean {
    return this.reads.replica !== undefined;
  }

  /** Dashboard reads the replica failed and the primary served, since start. */
  get fallbackReads(): number {
    return this.reads.fallbackReads;
  }

  /**
   * Undefined without a replica. Lag is now() minus the commit time of the last transaction replayed,
   * and 0 while everything received is replayed (an idle primary sends nothing, and the last replayed
   * commit only grows old). https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-RECOVERY-INFO-TABLE
   */
  async lag(): Promise<ReplicaLag | undefined> {
    if (!this.reads.replica) return undefined;
    const [r] = await this.reads.replica.$queryRaw<Array<{ in_recovery: boolean; lag_seconds: number; backlog_bytes: number }>>`
      SELECT pg_is_in_recovery() AS in_recovery,
             CASE WHEN NOT pg_is_in_recovery() THEN 0
                  WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
                  ELSE COALESCE(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)
             END::float8 AS lag_seconds,
             COALESCE(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::float8 AS backlog_bytes`;
    return {
      inRecovery: Boolean(r?.in_recovery),
      lagSeconds: Math.max(0, Number(r?.lag_seconds ?? 0)),
      replayBacklogBytes: Math.max(0, Number(r?.backlog_bytes ?? 0)),
    };
  }
}
