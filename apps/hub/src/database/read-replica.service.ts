import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { isTransientDatabaseError } from '../ingest/grpc-error';
import { PrismaService } from './prisma.service';
import { scrapeCache } from '../metrics/scrape-cache';

/** How far the read replica (DATABASE_READ_URL) is behind, as it sees itself. */
export interface ReplicaLag {
  /** False when DATABASE_READ_URL points at a server that is not a standby (then it has no lag). */
  inRecovery: boolean;
  lagSeconds: number;
  /** WAL received but not yet replayed, bytes. */
  replayBacklogBytes: number;
}

/** A lag reading is reused this long: at most one lag query a second per hub process (reads and /metrics share it). */
const LAG_CHECK_EVERY_MS = 1_000;

/**
 * Where the dashboard's heavy read views run (issue 17): a pool on the
 * streaming replica of DATABASE_READ_URL when it is set, else the primary's
 * own pool. Only views that may be a moment behind come here (noise, trends,
 * the hosts page, cost); anything that must see its own writes (token and
 * secret lookups, exclusion approvals, the host a request just changed, jobs)
 * keeps using PrismaService. docs/scaling.md lists which reads go where.
 *
 * A replica that cannot answer (down, restarting, a query cancelled by a
 * recovery conflict: SQLSTATE 40001) is read around: the same read runs on
 * the primary, counted in fleettune_db_replica_fallback_reads_total, so a lost
 * replica slows the dashboard's reads onto the primary instead of failing them.
 * A replica that answers but lags more than FLEETTUNE_DB_READ_MAX_LAG_SECONDS
 * (replay paused, a long conflict, a slow disk) is read around too, counted in
 * fleettune_db_replica_lagging_reads_total, until it has caught up: "a moment
 * behind" must not become minutes of stale numbers on the dashboard.
 */
@Injectable()
export class ReadReplicaService implements OnModuleDestroy {
  private readonly logger = new Logger(ReadReplicaService.name);
  /** The replica's own client; undefined when DATABASE_READ_URL is not set. */
  readonly replica: PrismaClient | undefined;
  /** Reads that went to the primary because the replica failed them. */
  fallbackReads = 0;
  /** Reads that went to the primary because the replica lagged too far. */
  laggingReads = 0;
  private readonly maxLagSeconds: number;
  /** The lag, read at most once a second however many reads and scrapes ask (a failed reading is not kept). */
  readonly replicaLag: () => Promise<ReplicaLag | undefined> = scrapeCache(() => this.queryReplicaLag(), LAG_CHECK_EVERY_MS);
  private routedAround = false;

  constructor(
    private readonly primary: PrismaService,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    this.maxLagSeconds = config.FLEETTUNE_DB_READ_MAX_LAG_SECONDS;
    if (config.DATABASE_READ_URL) {
      this.replica = new PrismaClient({
        adapter: new PrismaPg({ connectionString: config.DATABASE_READ_URL, max: config.FLEETTUNE_DB_READ_POOL_SIZE, application_name: 'fleettune-hub-reads' }),
      });
    }
  }

  /** Runs a read on the replica (the primary when there is none, when it lags too far, or when it fails the read). */
  async read<T>(query: (db: PrismaClient) => Promise<T>): Promise<T> {
    if (!this.replica) return query(this.primary);
    if (await this.tooFarBehind()) {
      this.laggingReads++;
      return query(this.primary);
    }
    try {
      return await query(this.replica);
    } catch (err) {
      if (!isTransientDatabaseError(err)) throw err;
      this.fallbackReads++;
      this.logger.warn(`read replica failed a read, served by the primary: ${err instanceof Error ? err.message.split('\n').pop() : String(err)}`);
      return query(this.primary);
    }
  }

  /**
   * Undefined without a replica. Lag is now() minus the commit time of the last transaction replayed,
   * and 0 while everything received is replayed (an idle primary sends nothing, and the last replayed
   * commit only grows old). https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-RECOVERY-INFO-TABLE
   * Run on the replica itself (never read around on the primary); callers go through replicaLag().
   */
  private async queryReplicaLag(): Promise<ReplicaLag | undefined> {
    if (!this.replica) return undefined;
    const [r] = await this.replica.$queryRaw<Array<{ in_recovery: boolean; lag_seconds: number; backlog_bytes: number }>>`
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

  /** Whether the replica's lag (a reading at most a second old) is over the limit; logs when that changes. */
  private async tooFarBehind(): Promise<boolean> {
    if (this.maxLagSeconds === 0) return false;
    // A replica that cannot say: the read itself finds out, and is read around if it fails.
    const lag = await this.replicaLag().catch(() => undefined);
    const behind = (lag?.lagSeconds ?? 0) > this.maxLagSeconds;
    if (behind !== this.routedAround) {
      this.routedAround = behind;
      if (behind)
        this.logger.warn(
          `read replica lags more than ${this.maxLagSeconds} s (FLEETTUNE_DB_READ_MAX_LAG_SECONDS): dashboard reads go to the primary until it catches up`,
        );
      else this.logger.log('read replica caught up: dashboard reads go to it again');
    }
    return behind;
  }

  async onModuleDestroy(): Promise<void> {
    await this.replica?.$disconnect();
  }
}
