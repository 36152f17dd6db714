import type { RekeyGrant as ContractRekeyGrant } from '@fleettune/api-contract';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { TokenDigester, generateToken } from '../auth/token-digest';
import { REKEY_TOKEN_PREFIX } from '../ingest/rekey-token';
import { HostIdentityRepository, HostStanding } from './host-identity.repository';

export type RekeyGrant = ContractRekeyGrant<Date>;

/**
 * Host identity is issued by the hub and changes hands only by an admin's act (issue 13 item 3):
 * - revoking an agent blocks its host: no enrollment can take the host back, and nothing uploads,
 *   until an admin lifts the block;
 * - a re-key revokes the host's agents and issues a one-time token that binds the host to the
 *   next agent enrolling with it (a re-installed machine, a moved host);
 * - with FLEETTUNE_ENROLL_REQUIRE_APPROVAL=1 new hosts wait for approval.
 * Every action is audited by the REST audit interceptor (route actions host.*).
 */
@Injectable()
export class HostIdentityService {
  constructor(
    private readonly repo: HostIdentityRepository,
    private readonly digester: TokenDigester,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  async approve(hostId: string): Promise<HostStanding> {
    const host = await this.existing(hostId);
    if (host.status === 'active') return host;
    if (!(await this.repo.transition(hostId, ['pending'], 'active', new Date()))) {
      throw new ConflictException(`host ${hostId} is ${host.status}: only a pending host can be approved (lift a block with /unblock)`);
    }
    return this.existing(hostId);
  }

  async block(hostId: string): Promise<HostStanding> {
    await this.existing(hostId);
    await this.repo.block(hostId, new Date());
    return this.existing(hostId);
  }

  /** Lifts a block. The host has no working agent afterwards: re-key it to let a new agent take it. */
  async unblock(hostId: string): Promise<HostStanding> {
    const host = await this.existing(hostId);
    if (host.status !== 'blocked') return host;
    await this.repo.transition(hostId, ['blocked'], 'active', new Date());
    return this.existing(hostId);
  }

  async rekey(hostId: string): Promise<RekeyGrant> {
    const host = await this.existing(hostId);
    if (host.status === 'blocked') throw new ConflictException(`host ${hostId} is blocked: lift the block first (POST /api/v1/hosts/${hostId}/unblock)`);
    const rekeyToken = generateToken(REKEY_TOKEN_PREFIX.slice(0, -1));
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.config.FLEETTUNE_REKEY_TOKEN_TTL_HOURS * 3600_000);
    const revokedAgents = await this.repo.issueRekey(hostId, this.digester.digest(rekeyToken), expiresAt, now);
    return { hostId, rekeyToken, expiresAt, revokedAgents };
  }

  /** Revoking an agent blocks its host (a stolen or misused identity must not be re-enrolled onto it). */
  async revokeAgent(agentId: string): Promise<{ hostId: string }> {
    const agent = await this.repo.agent(agentId);
    if (!agent) throw new NotFoundException(`agent ${agentId} not found`);
    await this.repo.block(agent.hostId, agent.revokedAt ?? new Date());
    return { hostId: agent.hostId };
  }

  private async existing(hostId: string): Promise<HostStanding> {
    const host = await this.repo.standing(hostId);
    if (!host) throw new NotFoundException(`host ${hostId} not found`);
    return host;
  }
}
