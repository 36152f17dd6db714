import { Injectable } from '@nestjs/common';
import { ReadReplicaService, ReplicaLag } from '../database/read-replica.service';

/** The read replica's state for /metrics: its lag, read on the replica itself (never read around on the primary), and the reads served around it. */
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

  /** Dashboard reads the primary served because the replica lagged more than FLEETTUNE_DB_READ_MAX_LAG_SECONDS. */
  get laggingReads(): number {
    return this.reads.laggingReads;
  }

  /** Undefined without a replica (ReadReplicaService.replicaLag). */
  lag(): Promise<ReplicaLag | undefined> {
    return this.reads.replicaLag();
  }
}
