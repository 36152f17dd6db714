import { ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import { AgentServiceClient, BatchAck, CountBatch } from '@fleettune/proto';
import type { UserPathRedactor } from '@fleettune/paths';
import { redactBatch } from '../privacy/batch-redaction';
import { BatchSpool } from '../spool/batch-spool';
import { AgentStatusReporter, DegradeStateSource } from './agent-status';
import { bearer } from './hub-client';

export interface UplinkOptions {
  /** Batches sent ahead of their acks on one stream. */
  maxInFlight: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  log: (msg: string) => void;
  /**
   * --redact-users: a batch spooled before the mode was turned on is
   * redacted as it is sent, so nothing per-user leaves the host either way.
   */
  redactor?: UserPathRedactor;
  /**
   * What to do when the hub's policy refuses the batches (FAILED_PRECONDITION,
   * e.g. a hub that requires --redact-users): `retry` keeps them spooled and
   * tries again at the longest backoff (a long-running agent: the hub or the
   * agent's settings may change), `stop` keeps them spooled and fails (--once).
   */
  onPolicyRefusal: 'retry' | 'stop';
}

const DEFAULTS: UplinkOptions = { maxInFlight: 32, initialBackoffMs: 500, maxBackoffMs: 60_000, log: () => undefined, onPolicyRefusal: 'retry' };

/** Failures retrying cannot fix: the agent must stop and say so. */
export class UplinkFatalError extends Error {}

/** The hub refused the batches by policy; they stay in the spool. */
export class HubPolicyRefusal extends Error {}

/**
 * Drains the spool to the hub over one bidirectional stream at a time. On any
 * stream failure it reconnects with exponential backoff and full jitter and
 * resends everything still unacknowledged.
 */
export class HubUplink {
  private readonly options: UplinkOptions;
  private stopped = false;
  private wake: (() => void) | undefined;
  private rejected = 0;
  private readonly statusReporter: AgentStatusReporter;

  constructor(
    private readonly client: AgentServiceClient,
    private readonly spool: BatchSpool,
    private readonly agentToken: string,
    options: Partial<UplinkOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.statusReporter = new AgentStatusReporter(spool, () => this.rejected);
  }

  /** Lets each batch report the watchdog's degrade level and paused sources (issue 7). */
  reportInputWarnings(list: () => string[]): void {
    this.statusReporter.setInputWarnings(list);
  }

  reportDegradeState(source: DegradeStateSource | undefined): void {
    this.statusReporter.setDegradeSource(source);
  }

  get rejectedBatches(): number {
    return this.rejected;
  }

  /** Call after appending to the spool so a waiting uplink sends at once. */
  notify(): void {
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Resolves once the spool is empty (all acked) or holds only batches held back for coarsening; rejects on a fatal error. */
  async drain(): Promise<void> {
    let attempt = 0;
    // nextToSend(0) is undefined when the spool is empty or its next batch is held for coarsening.
    while (!this.stopped && this.spool.nextToSend(0) !== undefined) {
      try {
        await this.streamOnce();
        attempt = 0;
      } catch (err) {
        if (err instanceof UplinkFatalError) throw err;
        if (err instanceof HubPolicyRefusal) {
          const spooled = this.spool.stats().pending;
          if (this.options.onPolicyRefusal === 'stop') {
            throw new UplinkFatalError(`${err.message}; the ${spooled} unsent batches are kept in the spool`);
          }
          this.options.log(`${err.message}; the ${spooled} unsent batches are kept in the spool, retrying in ${this.options.maxBackoffMs} ms`);
          attempt = 20;
          for (let waited = 0; waited < this.options.maxBackoffMs && !this.stopped; waited += 500) await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        const delay = Math.random() * Math.min(this.options.maxBackoffMs, this.options.initialBackoffMs * 2 ** attempt);
        attempt = Math.min(attempt + 1, 20);
        this.options.log(`upload interrupted (${(err as Error).message}); retrying in ${Math.round(delay)} ms`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Keeps draining until stopped; new batches are picked up via notify(). */
  async runForever(): Promise<void> {
    while (!this.stopped) {
      await this.drain();
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 5_000);
      });
      this.wake = undefined;
    }
  }

  private streamOnce(): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = this.client.uploadBatches(bearer(this.agentToken));
      // Batches are taken from the spool one by one as the window allows, not
      // copied at the start: the spool may merge never-sent batches meanwhile.
      let lastWritten = 0;
      const inFlight: CountBatch[] = [];
      let settled = false;
      let resumeAt = 0;
      let resumeTimer: NodeJS.Timeout | undefined;
      let ended = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(resumeTimer);
        if (err) reject(err);
        else resolve();
      };
      const pump = () => {
        try {
          pumpOnce();
        } catch (err) {
          // The spool could not be read or written (disk full, I/O error): retry later, with backoff.
          finish(err as Error);
          call.cancel();
        }
      };
      const pumpOnce = () => {
        if (ended || settled) return;
        const wait = resumeAt - Date.now();
        if (wait > 0) {
          // The hub asked for a slower pace; honour it before sending more.
          clearTimeout(resumeTimer);
          resumeTimer = setTimeout(pump, wait);
          return;
        }
        const out: CountBatch[] = [];
        while (inFlight.length + out.length < this.options.maxInFlight) {
          const spooled = this.spool.nextToSend(lastWritten);
          if (!spooled) break;
          const batch = this.options.redactor && !spooled.usersRedacted ? redactBatch(spooled, this.options.redactor) : spooled;
          out.push(batch);
          lastWritten = batch.sequence;
        }
        if (out.length > 0) {
          // Durably before the wire: from here on the hub may hold these
          // sequences, so the spool must never merge or drop them.
          this.spool.markSent(lastWritten);
          // The agent's health as of now, on every batch (issues 7/8): the
          // hub keeps the latest committed one per host.
          const reported = this.statusReporter.status();
          // Input warnings name the input file, which may sit in a home directory.
          const redactor = this.options.redactor;
          const status =
            redactor && reported.inputWarnings?.length ? { ...reported, inputWarnings: reported.inputWarnings.map((w) => redactor.redactText(w)) } : reported;
          for (const batch of out) {
            batch.agentStatus = status;
            inFlight.push(batch);
            call.write(batch);
          }
        }
        if (inFlight.length === 0 && out.length === 0 && !ended) {
          ended = true;
          call.end();
        }
      };
      call.on('data', (ack: BatchAck) => {
        const idx = inFlight.findIndex((b) => b.sequence === ack.sequence);
        if (idx >= 0) inFlight.splice(idx, 1);
        try {
          this.spool.ack(ack.sequence);
        } catch (err) {
          finish(err as Error);
          call.cancel();
          return;
        }
        if (ack.slowDownMs > 0) resumeAt = Math.max(resumeAt, Date.now() + Math.min(ack.slowDownMs, this.options.maxBackoffMs));
        pump();
      });
      call.on('error', (err: ServiceError) => {
        if (err.code === GrpcStatus.UNAUTHENTICATED) {
          finish(
            new UplinkFatalError(
              `the hub refused this agent's credentials (${err.details}); revoked or re-keyed: an admin re-keys the host (POST /api/v1/hosts/{id}/rekey), then this agent enrolls with that one-time token (--enroll-secret-file) after credentials.json is removed from its state dir`,
            ),
          );
        } else if (err.code === GrpcStatus.FAILED_PRECONDITION) {
          // Not this batch's fault but the hub's policy: never set aside, never dropped.
          finish(new HubPolicyRefusal(`the hub refused the batches: ${err.details}`));
        } else if (err.code === GrpcStatus.INVALID_ARGUMENT || err.code === GrpcStatus.PERMISSION_DENIED) {
          // The hub handles a stream's batches in order, so the oldest
          // unacked one is the batch it refused. Resending it would loop
          // forever; it is set aside and counted instead.
          const poison = inFlight[0];
          if (poison) {
            this.rejected += 1;
            this.options.log(`hub refused batch ${poison.sequence}: ${err.details}; set aside`);
            this.spool.ack(poison.sequence);
          }
          finish(new Error(err.details));
        } else {
          finish(err);
        }
      });
      call.on('end', () => finish());
      pump();
    });
  }
}
