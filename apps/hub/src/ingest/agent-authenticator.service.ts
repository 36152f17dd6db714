import { Injectable } from '@nestjs/common';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { TokenDigester } from '../auth/token-digest';
import { AuthFailureAudit } from '../audit-log/auth-failure-audit';
import { GrpcError } from './grpc-error';
import { AgentCredentialRepository, AgentStanding } from './agent-credential.repository';

export interface AuthenticatedAgent {
  agentId: string;
  hostId: string;
  /** Added to the agent's batch sequences when they are stored (see SEQUENCE_RANGE). */
  sequenceBase: bigint;
}

// A revoked agent, or a host blocked or not yet approved, is refused within this long, even mid-stream.
const RECHECK_MS = 1_000;

@Injectable()
export class AgentAuthenticator {
  private readonly checkedAt = new Map<string, number>();

  constructor(
    private readonly agents: AgentCredentialRepository,
    private readonly digester: TokenDigester,
    private readonly failures: AuthFailureAudit,
  ) {}

  /** Re-reads the agent's revocation state and its host's standing at most once a second per agent. */
  async assertStillValid(agent: AuthenticatedAgent): Promise<void> {
    const now = Date.now();
    if (now - (this.checkedAt.get(agent.agentId) ?? 0) < RECHECK_MS) return;
    const row = await this.agents.byId(agent.agentId);
    try {
      assertStanding(row);
    } catch (err) {
      this.checkedAt.delete(agent.agentId);
      throw err;
    }
    if (this.checkedAt.size > 100_000) this.checkedAt.clear();
    this.checkedAt.set(agent.agentId, now);
  }

  /**
   * `certFingerprint` is the SHA-256 of the client certificate the connection presented (mTLS).
   * An agent that enrolled with a certificate must present that same certificate on every stream:
   * a stolen token alone, or with another certificate the CA signed, is refused.
   */
  async authenticate(metadata: Metadata, certFingerprint: string | null = null): Promise<AuthenticatedAgent> {
    const [header] = metadata.get('authorization');
    const match = typeof header === 'string' ? /^Bearer\s+(\S{1,512})$/i.exec(header) : null;
    if (!match) {
      this.failures.record({ channel: 'grpc', outcome: 'UNAUTHENTICATED', reason: 'agent token required', client: 'agent' });
      throw new GrpcError(GrpcStatus.UNAUTHENTICATED, 'agent token required');
    }
    // Peppered digest, or the unpeppered one older hubs stored (docs/security.md section 7).
    const [peppered, legacy] = this.digester.candidates(match[1]);
    const agent = await this.agents.byTokenHash([peppered, legacy]);
    try {
      assertStanding(agent);
    } catch (err) {
      // Refusals are audited (rate-limited per client, so a flood of bad tokens cannot flood the log).
      const reason = !agent ? 'unknown agent token' : err instanceof Error ? err.message : String(err);
      this.failures.record({
        channel: 'grpc',
        outcome: err instanceof GrpcError ? GrpcStatus[err.code] : 'UNAUTHENTICATED',
        reason,
        client: agent ? `agent:${agent.id}` : 'agent',
      });
      throw err;
    }
    // A token stored by an older hub is upgraded to the peppered digest on its first use.
    if (agent!.tokenHash === legacy) await this.agents.upgradeTokenHash(agent!.id, legacy, peppered);
    if (agent!.certFingerprint && agent!.certFingerprint !== certFingerprint) {
      this.failures.record({ channel: 'grpc', outcome: 'UNAUTHENTICATED', reason: 'another client certificate', client: `agent:${agent!.id}` });
      throw new GrpcError(GrpcStatus.UNAUTHENTICATED, 'this agent enrolled with another client certificate');
    }
    return { agentId: agent!.id, hostId: agent!.hostId, sequenceBase: agent!.sequenceBase };
  }
}

function assertStanding(agent: AgentStanding | null): void {
  if (!agent || agent.revokedAt) throw new GrpcError(GrpcStatus.UNAUTHENTICATED, 'unknown or revoked agent');
  if (agent.hostStatus === 'blocked') throw new GrpcError(GrpcStatus.UNAUTHENTICATED, 'this host is blocked by an admin');
  // FAILED_PRECONDITION, not PERMISSION_DENIED: the agent keeps its batches and retries until approved.
  if (agent.hostStatus === 'pending') throw new GrpcError(GrpcStatus.FAILED_PRECONDITION, 'this host awaits admin approval');
}
