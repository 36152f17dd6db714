import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import {
  Server,
  ServerDuplexStream,
  ServerUnaryCall,
  ServiceDefinition,
  sendUnaryData,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import {
  AGENT_PROTO_FILE,
  AgentServiceService,
  BatchAck,
  BatchAck_Status,
  CountBatch,
  EnrollRequest,
  EnrollResponse,
  PROTO_ROOT,
} from '@fleettune/proto';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { AgentAuthenticator } from './agent-authenticator.service';
import { AgentRateLimiter } from './agent-rate-limiter';
import { AgentEnrollmentService } from './agent-enrollment.service';
import { BatchIngestService } from './batch-ingest.service';
import { DEFAULT_BATCH_LIMITS, findBatchProblem } from './count-batch-validator';
import { grpcServerCredentials } from './grpc-server-credentials';
import { GrpcError, toServiceError } from './grpc-error';
import { IngestMetrics } from '../metrics/ingest-metrics';

const SERVICE_NAME = 'fleettune.v1.AgentService';

/** What the upload deserializer hands the handler: never throws, so bad bytes become INVALID_ARGUMENT. */
type DecodedBatch = { batch: CountBatch; bytes: number } | { error: string; bytes: number };

@Injectable()
export class IngestGrpcServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IngestGrpcServer.name);
  private readonly server: Server;
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING', [SERVICE_NAME]: 'NOT_SERVING' });
  private boundPort = 0;
  private readonly rateLimiter: AgentRateLimiter;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly enrollment: AgentEnrollmentService,
    private readonly authenticator: AgentAuthenticator,
    private readonly ingest: BatchIngestService,
    @Optional() private readonly metrics?: IngestMetrics,
  ) {
    this.rateLimiter = new AgentRateLimiter(config.FLEETTUNE_AGENT_BATCHES_PER_SECOND, config.FLEETTUNE_AGENT_BATCH_BURST);
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
    this.server.addService(this.serviceDefinition(), {
      enroll: (call: ServerUnaryCall<EnrollRequest | GrpcError, EnrollResponse>, callback: sendUnaryData<EnrollResponse>) => {
        const request = call.request;
        (request instanceof GrpcError ? Promise.reject(request) : this.enrollment.enroll(request, call.getPeer())).then(
          (res) => callback(null, res),
          (err: unknown) => {
            if (!(err instanceof GrpcError)) this.logger.error(err);
            callback(toServiceError(err));
          },
        );
      },
      uploadBatches: (call: ServerDuplexStream<DecodedBatch, BatchAck>) => this.handleUpload(call),
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
  }

  async onApplicationShutdown(): Promise<void> {
    this.health.setStatus('', 'NOT_SERVING');
    this.health.setStatus(SERVICE_NAME, 'NOT_SERVING');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 5_000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
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
      uploadBatches: {
        ...AgentServiceService.uploadBatches,
        requestDeserialize: (bytes: Buffer): DecodedBatch => {
          if (bytes.length > maxBytes) return { error: `batch is ${bytes.length} bytes, more than ${maxBytes}`, bytes: bytes.length };
          try {
            return { batch: CountBatch.decode(bytes), bytes: bytes.length };
          } catch (err) {
            return { error: `malformed batch: ${err instanceof Error ? err.message : String(err)}`, bytes: bytes.length };
          }
        },
      },
    } as unknown as ServiceDefinition;
  }

  /**
   * Batches on one stream are handled one at a time, in order: the stream is
   * paused while a batch commits, which is the flow control an agent with a
   * long backlog needs.
   */
  private handleUpload(call: ServerDuplexStream<DecodedBatch, BatchAck>): void {
    let failed = false;
    let closed = false;
    this.metrics?.streamOpened();
    const closeOnce = (result: 'ok' | 'error' | 'cancelled') => {
      if (!closed) this.metrics?.streamClosed(result);
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
    const agentPromise = this.authenticator.authenticate(call.metadata);
    agentPromise.catch(fail);

    let chain: Promise<void> = Promise.resolve();
    call.on('data', (decoded: DecodedBatch) => {
      call.pause();
      chain = chain
        .then(async () => {
          if (failed) return;
          const agent = await agentPromise;
          await this.authenticator.assertStillValid(agent);
          if ('error' in decoded) throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, decoded.error);
          const { batch } = decoded;
          if (batch.hostId !== agent.hostId) {
            throw new GrpcError(GrpcStatus.PERMISSION_DENIED, 'batch host_id does not belong to this agent');
          }
          const problem = findBatchProblem(batch, Date.now(), {
            ...DEFAULT_BATCH_LIMITS,
            maxRows: this.config.FLEETTUNE_MAX_BATCH_ROWS,
          });
          if (problem) throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, problem);
          const outcome = await this.ingest.ingest(agent.hostId, batch);
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
