import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { Server, ServerDuplexStream, ServerUnaryCall, ServiceDefinition, sendUnaryData, status as GrpcStatus } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import {
  AGENT_PROTO_FILE,
  AgentServiceService,
  AuditdApplyAck,
  AuditdApplyReport,
  AuditdExclusions,
  AuditdExclusionsRequest,
  BatchAck,
  BatchAck_Status,
  CountBatch,
  EnrollRequest,
  EnrollResponse,
  PROTO_ROOT,
} from '@fleettune/proto';
import { AuditdApplyReportsService } from '../auditd-apply/auditd-apply-reports.service';
import { AuditdExclusionsService } from '../auditd-apply/auditd-exclusions.service';
import { HUB_CONFIG, HubConfig, isLoopbackBind } from '../config/hub-config';
import { hasRole } from '../config/hub-roles';
import { clientCertFingerprint } from './client-cert-fingerprint';
import { AgentAuthenticator, AuthenticatedAgent } from './agent-authenticator.service';
import { DailyQuotaExceeded, quotaDay } from './agent-daily-quota';
import { AgentStreamGate } from './agent-stream-gate';
import { AgentRateLimiter } from './agent-rate-limiter';
import { AgentEnrollmentService } from './agent-enrollment.service';
import { BatchIngestService } from './batch-ingest.service';
import { DEFAULT_BATCH_LIMITS, findBatchProblem } from './count-batch-validator';
import { grpcServerCredentials } from './grpc-server-credentials';
import { GrpcError, toServiceError } from './grpc-error';
import { IngestMetrics } from '../metrics/ingest-metrics';

const SERVICE_NAME = 'fleettune.v1.AgentService';

/** Said to an agent whose batches this hub must refuse (FLEETTUNE_REQUIRE_REDACTED_USERS); the agent keeps them spooled. */
export const REDACTION_REQUIRED =
  'this hub requires user redaction (FLEETTUNE_REQUIRE_REDACTED_USERS): restart the agent with --redact-users (or FLEETTUNE_REDACT_USERS=1); ' +
  "the batch was not stored and stays in the agent's spool";

/** Ends an upload stream of a hub that is shutting down; the agent resends what was not acked, to another replica. */
export const HUB_DRAINING = 'this hub is shutting down: batches not acked on this stream were not stored; send them to another hub replica';

/** How long a shutting-down hub waits for its upload streams to finish the batch each is committing. */
const DRAIN_TIMEOUT_MS = 5_000;

/**
 * What the upload deserializer hands the handler: the message's bytes, not
 * yet decoded. grpc-js deserializes each message as it arrives, before the
 * handler could check the caller; decoding happens in the handler, only once
 * the agent's token from the call metadata has been checked (issue 13 item 7:
 * an unauthenticated caller made the hub decode 8 MiB messages).
 */
type RawBatch = { raw: Buffer } | { error: string; bytes: number };
type RawMessage = RawBatch;

/** The deserializer of an authenticated unary call: bytes kept as they are (see RawBatch), bounded. */
function rawMessage(maxBytes: number): (bytes: Buffer) => RawMessage {
  return (bytes) => (bytes.length > maxBytes ? { error: `message is ${bytes.length} bytes, more than ${maxBytes}`, bytes: bytes.length } : { raw: bytes });
}

@Injectable()
export class IngestGrpcServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IngestGrpcServer.name);
  private readonly server: Server;
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING', [SERVICE_NAME]: 'NOT_SERVING' });
  private boundPort = 0;
  private readonly rateLimiter: AgentRateLimiter;
  private readonly streamGate: AgentStreamGate;
  private draining = false;
  /** Each open upload stream's way to end itself once its current batch is acked (drain). */
  private readonly openUploads = new Set<() => void>();

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly enrollment: AgentEnrollmentService,
    private readonly authenticator: AgentAuthenticator,
    private readonly ingest: BatchIngestService,
    private readonly auditdExclusions: AuditdExclusionsService,
    private readonly auditdReports: AuditdApplyReportsService,
    @Optional() private readonly metrics?: IngestMetrics,
  ) {
    this.rateLimiter = new AgentRateLimiter(config.FLEETTUNE_AGENT_BATCHES_PER_SECOND, config.FLEETTUNE_AGENT_BATCH_BURST);
    this.streamGate = new AgentStreamGate(config.FLEETTUNE_AGENT_MAX_STREAMS);
    // The transport limit sits above the batch limit so an oversized batch
    // reaches the handler and gets a clear INVALID_ARGUMENT.
    this.server = new Server({
      'grpc.max_receive_message_length': config.FLEETTUNE_MAX_BATCH_BYTES * 2,
      'grpc.keepalive_time_ms': 60_000,
      'grpc.keepalive_permit_without_calls': 1,
    });
  }

  get port(): number {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!hasRole(this.config, 'ingest')) return;
    this.server.addService(this.serviceDefinition(), {
      enroll: (call: ServerUnaryCall<EnrollRequest | GrpcError, EnrollResponse>, callback: sendUnaryData<EnrollResponse>) => {
        const request = call.request;
        (request instanceof GrpcError
          ? Promise.reject(request)
          : this.enrollment.enroll(request, { peer: call.getPeer(), certFingerprint: clientCertFingerprint(call) })
        ).then(
          (res) => callback(null, res),
          (err: unknown) => {
            if (!(err instanceof GrpcError)) this.logger.error(err);
            callback(toServiceError(err));
          },
        );
      },
      uploadBatches: (call: ServerDuplexStream<RawBatch, BatchAck>) => this.handleUpload(call),
      getAuditdExclusions: (call: ServerUnaryCall<RawMessage, AuditdExclusions>, callback: sendUnaryData<AuditdExclusions>) =>
        this.answerAuthenticated(call, callback, AuditdExclusionsRequest, async (agent, request) => {
          if (request.hostId !== agent.hostId) throw new GrpcError(GrpcStatus.PERMISSION_DENIED, 'host_id does not belong to this agent');
          const served = await this.auditdExclusions.forHost(agent.hostId);
          const unchanged = request.knownEtag === served.etag;
          return { etag: served.etag, unchanged, setId: served.setId, setVersion: served.setVersion, items: unchanged ? [] : served.items };
        }),
      reportAuditdApply: (call: ServerUnaryCall<RawMessage, AuditdApplyAck>, callback: sendUnaryData<AuditdApplyAck>) =>
        this.answerAuthenticated(call, callback, AuditdApplyReport, async (agent, report) => {
          await this.auditdReports.record(agent, report);
          return {};
        }),
    });
    this.health.addToServer(this.server);
    const pkg = protoLoader.loadSync(AGENT_PROTO_FILE, { includeDirs: [PROTO_ROOT] });
    new ReflectionService(pkg).addToServer(this.server);

    const address = `${this.config.BIND_HOST}:${this.config.GRPC_PORT}`;
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(address, grpcServerCredentials(this.config), (err, port) => (err ? reject(err) : resolve(port))),
    );
    this.health.setStatus('', 'SERVING');
    this.health.setStatus(SERVICE_NAME, 'SERVING');
    this.logger.log(`gRPC listening on ${this.config.BIND_HOST}:${this.boundPort}`);
    if (!this.config.GRPC_TLS_CERT_FILE && !isLoopbackBind(this.config.BIND_HOST)) {
      // Only reachable with FLEETTUNE_ALLOW_PLAINTEXT_GRPC=1 (hub-config.ts refuses it otherwise).
      this.logger.warn(
        `PLAINTEXT gRPC on non-loopback ${this.config.BIND_HOST}:${this.boundPort} (FLEETTUNE_ALLOW_PLAINTEXT_GRPC=1): ` +
          'agent tokens and the enrollment secret cross the network in clear text; terminate TLS in front of this port or set GRPC_TLS_CERT_FILE',
      );
    }
  }

  /**
   * A rolling restart loses and doubles nothing (issue 17). On SIGTERM the hub
   * stops taking connections and streams and sends GOAWAY (`tryShutdown`), so
   * agents given several replicas reconnect to another; every open upload
   * stream finishes the batch it is committing, acks it, and ends UNAVAILABLE
   * (HUB_DRAINING), leaving the batches it received but had not started in the
   * agent's spool to be resent. This is onModuleDestroy, not
   * onApplicationShutdown: Nest destroys this module before the global database
   * module, so the batches being committed still have their connections.
   */
  async onModuleDestroy(): Promise<void> {
    if (this.boundPort === 0) return;
    this.draining = true;
    this.health.setStatus('', 'NOT_SERVING');
    this.health.setStatus(SERVICE_NAME, 'NOT_SERVING');
    const closed = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn(`upload streams still open ${DRAIN_TIMEOUT_MS} ms into shutdown; closing them (their batches stay in the agents' spools)`);
        this.server.forceShutdown();
        resolve();
      }, DRAIN_TIMEOUT_MS);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    for (const end of [...this.openUploads]) end();
    await closed;
  }

  private serviceDefinition(): ServiceDefinition {
    const maxBytes = this.config.FLEETTUNE_MAX_BATCH_BYTES;
    return {
      ...AgentServiceService,
      enroll: {
        ...AgentServiceService.enroll,
        // A throwing deserializer makes grpc-js answer INTERNAL; bytes that are not an EnrollRequest are the caller's fault.
        requestDeserialize: (bytes: Buffer): EnrollRequest | GrpcError => {
          try {
            return EnrollRequest.decode(bytes);
          } catch (err) {
            return new GrpcError(GrpcStatus.INVALID_ARGUMENT, `malformed enroll request: ${err instanceof Error ? err.message : String(err)}`);
          }
        },
      },
      getAuditdExclusions: { ...AgentServiceService.getAuditdExclusions, requestDeserialize: rawMessage(maxBytes) },
      reportAuditdApply: { ...AgentServiceService.reportAuditdApply, requestDeserialize: rawMessage(maxBytes) },
      uploadBatches: {
        ...AgentServiceService.uploadBatches,
        // No decoding here: see RawBatch.
        requestDeserialize: (bytes: Buffer): RawBatch =>
          bytes.length > maxBytes ? { error: `batch is ${bytes.length} bytes, more than ${maxBytes}`, bytes: bytes.length } : { raw: bytes },
      },
    } as unknown as ServiceDefinition;
  }

  /**
   * A unary call of an enrolled agent: its token (and client certificate) checked like an upload's,
   * then the message decoded (RawBatch: never before the caller is known), then answered.
   */
  private answerAuthenticated<Req, Res>(
    call: ServerUnaryCall<RawMessage, Res>,
    callback: sendUnaryData<Res>,
    type: { decode(bytes: Uint8Array): Req },
    answer: (agent: AuthenticatedAgent, request: Req) => Promise<Res>,
  ): void {
    this.authenticator
      .authenticate(call.metadata, clientCertFingerprint(call))
      .then(async (agent) => {
        const message = call.request;
        if ('error' in message) throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, message.error);
        let request: Req;
        try {
          request = type.decode(message.raw);
        } catch (err) {
          throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, `malformed request: ${err instanceof Error ? err.message : String(err)}`);
        }
        return answer(agent, request);
      })
      .then(
        (res) => callback(null, res),
        (err: unknown) => {
          if (!(err instanceof GrpcError)) this.logger.error(err);
          callback(toServiceError(err));
        },
      );
  }

  /**
   * Batches on one stream are handled one at a time, in order: the stream is
   * paused while a batch commits, which is the flow control an agent with a
   * long backlog needs.
   *
   * Per-agent limits (issue 13 item 7), each RESOURCE_EXHAUSTED with a
   * message naming its setting and counted in fleettune_ingest_refused_total:
   * open streams per agent (AgentStreamGate), rows and events per day
   * (BatchIngestService, in the batch's transaction). A window starting
   * further in the future than the allowed clock skew is FAILED_PRECONDITION:
   * the agent keeps it and retries, so a skewed clock delays data, never loses it.
   */
  private handleUpload(call: ServerDuplexStream<RawBatch, BatchAck>): void {
    let failed = false;
    let closed = false;
    let admittedAgentId: string | undefined;
    let chain: Promise<void> = Promise.resolve();
    this.metrics?.streamOpened();
    // Drain: after the batch being committed (if any) is acked, end the stream so the agent moves on.
    const endForDrain = () => void chain.then(() => fail(new GrpcError(GrpcStatus.UNAVAILABLE, HUB_DRAINING)));
    this.openUploads.add(endForDrain);
    const closeOnce = (result: 'ok' | 'error' | 'cancelled') => {
      if (!closed) {
        this.metrics?.streamClosed(result);
        if (admittedAgentId) this.streamGate.close(admittedAgentId);
        this.openUploads.delete(endForDrain);
      }
      closed = true;
    };
    call.on('close', () => closeOnce(call.cancelled ? 'cancelled' : failed ? 'error' : 'ok'));
    const fail = (err: unknown) => {
      closeOnce('error');
      if (failed) return;
      failed = true;
      if (!(err instanceof GrpcError)) this.logger.error(err);
      call.emit('error', toServiceError(err));
    };
    // Admission happens once per stream, right after authentication, before any message is decoded.
    const agentPromise = this.authenticator.authenticate(call.metadata, clientCertFingerprint(call)).then((agent: AuthenticatedAgent) => {
      if (closed) throw new GrpcError(GrpcStatus.CANCELLED, 'stream closed');
      if (!this.streamGate.tryOpen(agent.agentId)) {
        this.metrics?.refusedBy('streams');
        throw new GrpcError(
          GrpcStatus.RESOURCE_EXHAUSTED,
          `this agent already has ${this.streamGate.streamsOf(agent.agentId)} upload streams open, the most allowed (FLEETTUNE_AGENT_MAX_STREAMS); upload on one stream`,
        );
      }
      admittedAgentId = agent.agentId;
      return agent;
    });
    agentPromise.catch(fail);
    if (this.draining) endForDrain();

    call.on('data', (message: RawBatch) => {
      call.pause();
      chain = chain
        .then(async () => {
          if (failed || this.draining) return;
          const agent = await agentPromise;
          if (failed) return;
          await this.authenticator.assertStillValid(agent);
          if ('error' in message) throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, message.error);
          const batch = decodeBatch(message.raw);
          if (batch.hostId !== agent.hostId) {
            throw new GrpcError(GrpcStatus.PERMISSION_DENIED, 'batch host_id does not belong to this agent');
          }
          const problem = findBatchProblem(batch, Date.now(), {
            ...DEFAULT_BATCH_LIMITS,
            maxRows: this.config.FLEETTUNE_MAX_BATCH_ROWS,
          });
          if (problem) throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, problem);
          if (this.config.FLEETTUNE_REQUIRE_REDACTED_USERS && !batch.usersRedacted) {
            this.metrics?.refusedBy('users-not-redacted');
            throw new GrpcError(GrpcStatus.FAILED_PRECONDITION, REDACTION_REQUIRED);
          }
          const now = Date.now();
          const aheadMs = batch.windowStartMs - now;
          if (aheadMs > this.config.FLEETTUNE_MAX_CLOCK_SKEW_SECONDS * 1000) {
            this.metrics?.refusedBy('future-window');
            throw new GrpcError(
              GrpcStatus.FAILED_PRECONDITION,
              `window starts ${Math.round(aheadMs / 1000)} s after the hub's clock, more than the allowed skew of ${this.config.FLEETTUNE_MAX_CLOCK_SKEW_SECONDS} s (FLEETTUNE_MAX_CLOCK_SKEW_SECONDS); check this host's clock, the batch is kept and retried`,
            );
          }
          const day = quotaDay(now);
          const exhausted = this.streamGate.exhaustedError(agent.hostId, day);
          if (exhausted) {
            if (exhausted instanceof DailyQuotaExceeded) this.metrics?.refusedBy(exhausted.kind);
            throw exhausted;
          }
          const outcome = await this.ingest.ingest(agent.hostId, batch, agent).catch((err: unknown) => {
            if (err instanceof DailyQuotaExceeded) {
              this.metrics?.refusedBy(err.kind);
              this.streamGate.markExhausted(agent.hostId, day, err);
            }
            throw err;
          });
          if (!failed && !call.cancelled) {
            call.write({
              sequence: batch.sequence,
              status: outcome === 'committed' ? BatchAck_Status.COMMITTED : BatchAck_Status.DUPLICATE,
              slowDownMs: this.rateLimiter.take(agent.agentId),
            });
          }
        })
        .catch(fail)
        .finally(() => {
          if (!failed) call.resume();
        });
    });
    call.on('end', () => {
      void chain.then(() => {
        if (!failed) call.end();
      });
    });
    call.on('error', () => {
      closeOnce('error');
      failed = true;
    });
  }
}

/** Decodes an upload message once its sender is authenticated; bytes that are not a CountBatch are INVALID_ARGUMENT. */
function decodeBatch(raw: Buffer): CountBatch {
  try {
    return CountBatch.decode(raw);
  } catch (err) {
    throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, `malformed batch: ${err instanceof Error ? err.message : String(err)}`);
  }
}
