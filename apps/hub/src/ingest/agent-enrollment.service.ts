import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { EnrollRequest, EnrollResponse } from '@fleettune/proto';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { AuditLogService } from '../audit-log/audit-log.service';
import { TokenDigester, generateToken } from '../auth/token-digest';
import { GrpcError } from './grpc-error';
import { EnrollRateLimiter } from './enroll-rate-limiter';
import { EnrollmentRepository } from './enrollment.repository';
import { hostNameProblem } from './host-name';
import { REKEY_TOKEN_PREFIX } from './rekey-token';

const MAX_ID = 255;
/** Stored as text: PostgreSQL refuses NUL, and control characters have no place in an id or a version. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Who is calling Enroll, from the transport. */
export interface EnrollPeer {
  /** grpc-js `getPeer()`, e.g. `ipv4:10.0.0.5:51234`. */
  peer: string | null;
  /** SHA-256 fingerprint of the mTLS client certificate, when the connection presented one. */
  certFingerprint?: string | null;
}

/** What one refused enrollment tells the audit log (never the secret). */
interface Refusal {
  code: GrpcStatus;
  message: string;
  reason: string;
  details?: Record<string, unknown>;
}

const refuse = (r: Refusal): never => {
  throw Object.assign(new GrpcError(r.code, r.message), { refusal: r });
};

/**
 * Enroll (issue 13 item 3/4): the hub issues host identities, clients never claim them.
 * - A new enrollment creates a new host. A `machine_id` that an enrolled host already has is
 *   refused (ALREADY_EXISTS; PERMISSION_DENIED when that host is blocked): it is a hint, not an
 *   identity, and is computable from a host name. Moving a host to a new agent takes an admin
 *   re-key, whose one-time token (`ftrekey_…`) the new agent presents instead of the secret.
 * - The secret's use is counted atomically (exactly `maxUses` enrollments, even concurrently).
 * - Calls are rate-limited per peer address and per hub; every enrollment and every refusal is
 *   written to the audit log.
 * - With FLEETTUNE_ENROLL_REQUIRE_APPROVAL=1 new hosts are `pending` until an admin approves them.
 */
@Injectable()
export class AgentEnrollmentService {
  private readonly limiter: EnrollRateLimiter;
  /** Throttled refusals are audited once per address and minute: a flood must not become an audit-log flood. */
  private readonly throttleAudited = new Map<string, number>();

  constructor(
    private readonly repo: EnrollmentRepository,
    private readonly audit: AuditLogService,
    private readonly digester: TokenDigester,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {
    this.limiter = new EnrollRateLimiter(config.FLEETTUNE_ENROLL_PER_ADDRESS_PER_MINUTE, config.FLEETTUNE_ENROLL_PER_MINUTE);
  }

  async enroll(request: EnrollRequest, from: EnrollPeer = { peer: null }): Promise<EnrollResponse> {
    const address = peerHost(from.peer);
    const subject = {
      hostname: printable(request.hostname),
      machineId: printable(request.machineId),
      os: printable(request.os),
      peer: address,
      certFingerprint: from.certFingerprint ?? null,
    };
    try {
      const throttled = this.limiter.take(address ?? 'unknown');
      if (throttled) {
        refuse({
          code: GrpcStatus.RESOURCE_EXHAUSTED,
          message: `too many enrollments ${throttled === 'address' ? 'from this address' : 'on this hub'}; retry later`,
          reason: `rate-limited-${throttled}`,
        });
      }
      const valid = this.validate(request);
      const result = request.enrollSecret.startsWith(REKEY_TOKEN_PREFIX)
        ? await this.enrollRekeyed(request, valid, address, from.certFingerprint ?? null)
        : await this.enrollNew(request, valid, address, from.certFingerprint ?? null);
      await this.audit.record(
        { actor: `enroll:${address ?? 'unknown'}` },
        { action: 'enrollment.accept', targetType: 'host', targetId: result.hostId, details: { ...subject, ...result.audit } },
      );
      return result.response;
    } catch (err) {
      // A unique-index violation: two enrollments raced with one new machine id (or a re-key named another host's).
      const refusal = (err as { refusal?: Refusal }).refusal ?? uniqueViolation(err);
      if (!refusal) throw err;
      if (refusal.code !== GrpcStatus.RESOURCE_EXHAUSTED || this.firstThrottleThisMinute(address ?? 'unknown')) {
        await this.audit.record(
          { actor: `enroll:${address ?? 'unknown'}` },
          {
            action: 'enrollment.refuse',
            targetType: 'host',
            targetId: typeof refusal.details?.existingHostId === 'string' ? refusal.details.existingHostId : undefined,
            details: { ...subject, reason: refusal.reason, ...refusal.details },
          },
        );
      }
      throw err instanceof GrpcError ? err : new GrpcError(refusal.code, refusal.message);
    }
  }

  private validate(request: EnrollRequest): { hostname: string; machineId: string | null; agentVersion: string | null } {
    const hostname = request.hostname.trim();
    const nameProblem = hostNameProblem(hostname);
    if (nameProblem) refuse({ code: GrpcStatus.INVALID_ARGUMENT, message: nameProblem, reason: 'invalid-hostname' });
    if (!['linux', 'darwin'].includes(request.os)) {
      refuse({ code: GrpcStatus.INVALID_ARGUMENT, message: 'os must be "linux" or "darwin"', reason: 'invalid-os' });
    }
    if (request.machineId.length > MAX_ID || request.agentVersion.length > 64) {
      refuse({ code: GrpcStatus.INVALID_ARGUMENT, message: 'machine_id or agent_version too long', reason: 'invalid-argument' });
    }
    if (CONTROL_CHARACTER.test(request.machineId) || CONTROL_CHARACTER.test(request.agentVersion)) {
      refuse({ code: GrpcStatus.INVALID_ARGUMENT, message: 'machine_id and agent_version must be printable characters', reason: 'invalid-argument' });
    }
    return { hostname, machineId: request.machineId || null, agentVersion: request.agentVersion || null };
  }

  private async enrollNew(
    request: EnrollRequest,
    v: { hostname: string; machineId: string | null; agentVersion: string | null },
    address: string | null,
    certFingerprint: string | null,
  ) {
    // Peppered digest, or the unpeppered one older hubs stored (docs/security.md section 7).
    const secretHashes = this.digester.candidates(request.enrollSecret);
    const token = generateToken('ftagent');
    const now = new Date();
    const status = this.config.FLEETTUNE_ENROLL_REQUIRE_APPROVAL ? ('pending' as const) : ('active' as const);
    return this.repo.transaction(async (tx) => {
      const secretId = await this.repo.consumeSecret(tx, secretHashes, now);
      if (!secretId) {
        const { reason, secretId: refusedId } = await this.repo.secretRefusal(tx, secretHashes, now);
        refuse({
          code: GrpcStatus.UNAUTHENTICATED,
          message: 'enrollment secret is invalid, expired or used up',
          reason: `secret-${reason}`,
          details: refusedId ? { enrolledWith: refusedId } : {},
        });
      }
      if (v.machineId) {
        const existing = await this.repo.hostByMachineId(tx, v.machineId);
        if (existing?.status === 'blocked') {
          refuse({
            code: GrpcStatus.PERMISSION_DENIED,
            message: 'this host is blocked (its agent was revoked); an admin must lift the block and re-key it',
            reason: 'host-blocked',
            details: { existingHostId: existing.id },
          });
        }
        const installKeyHash = installKeyDigest(request.installKey);
        if (existing && installKeyHash && existing.installKeyHash === installKeyHash) {
          // The same install again (its key is a secret of its state dir): it died between our answer and
          // saving its credentials, so nothing was ever sent under the old token. A fresh token for its own
          // host, the unused agent retired, a new sequence range; the host is never handed to anyone else.
          await this.repo.retireAgents(tx, existing.id, now);
          const sequenceBase = await this.repo.nextSequenceBase(tx, existing.id);
          const agentId = await this.repo.createAgent(tx, { hostId: existing.id, tokenHash: this.digester.digest(token), sequenceBase, certFingerprint });
          return {
            hostId: existing.id,
            response: { agentId, agentToken: token, hostId: existing.id },
            audit: { via: 'install-key', enrolledWith: secretId, agentId, status: existing.status, sequenceBase: sequenceBase.toString() },
          };
        }
        if (existing) {
          refuse({
            code: GrpcStatus.ALREADY_EXISTS,
            message: `a host with this machine id is already enrolled (${existing.id}); an admin can move it to a new agent with POST /api/v1/hosts/${existing.id}/rekey`,
            reason: 'machine-id-enrolled',
            details: { existingHostId: existing.id },
          });
        }
      }
      const hostId = await this.repo.createHost(tx, {
        hostname: v.hostname,
        os: request.os,
        machineId: v.machineId,
        agentVersion: v.agentVersion,
        status,
        enrollmentSecretId: secretId!,
        enrolledAt: now,
        enrollPeerAddress: address,
        installKeyHash: installKeyDigest(request.installKey),
      });
      const agentId = await this.repo.createAgent(tx, { hostId, tokenHash: this.digester.digest(token), sequenceBase: 0n, certFingerprint });
      // (audit keys avoid "secret": the audit log redacts values under such keys.)
      return { hostId, response: { agentId, agentToken: token, hostId }, audit: { via: 'secret', enrolledWith: secretId, agentId, status } };
    });
  }

  private async enrollRekeyed(
    request: EnrollRequest,
    v: { hostname: string; machineId: string | null; agentVersion: string | null },
    address: string | null,
    certFingerprint: string | null,
  ) {
    const token = generateToken('ftagent');
    const now = new Date();
    return this.repo.transaction(async (tx) => {
      const host = await this.repo.redeemRekeyToken(tx, this.digester.digest(request.enrollSecret), now);
      if (!host) {
        refuse({ code: GrpcStatus.UNAUTHENTICATED, message: 'enrollment secret is invalid, expired or used up', reason: 'rekey-token-invalid' });
      }
      await this.repo.rebindHost(tx, host!.id, {
        hostname: v.hostname,
        os: request.os,
        machineId: v.machineId,
        agentVersion: v.agentVersion,
        enrolledAt: now,
        enrollPeerAddress: address,
      });
      const sequenceBase = await this.repo.nextSequenceBase(tx, host!.id);
      const agentId = await this.repo.createAgent(tx, { hostId: host!.id, tokenHash: this.digester.digest(token), sequenceBase, certFingerprint });
      return {
        hostId: host!.id,
        response: { agentId, agentToken: token, hostId: host!.id },
        audit: { via: 'rekey-token', agentId, status: host!.status, sequenceBase: sequenceBase.toString() },
      };
    });
  }

  private firstThrottleThisMinute(address: string): boolean {
    const now = Date.now();
    const last = this.throttleAudited.get(address);
    if (last !== undefined && now - last < 60_000) return false;
    if (this.throttleAudited.size > 10_000) this.throttleAudited.clear();
    this.throttleAudited.set(address, now);
    return true;
  }
}

/** A unique-index violation (Prisma P2002 or PostgreSQL 23505) turned into the refusal it means. */
function uniqueViolation(err: unknown): Refusal | undefined {
  const e = err as { code?: string; message?: string; meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } };
  const pg = e?.meta?.driverAdapterError?.cause?.originalCode;
  if (e?.code === 'P2002' || pg === '23505') {
    return { code: GrpcStatus.ALREADY_EXISTS, message: 'a host with this machine id is already enrolled', reason: 'machine-id-enrolled' };
  }
  return undefined;
}

/** Agent-chosen text for the audit log: control characters visible, bounded. */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).slice(0, 300);
}

/**
 * The address part of a grpc-js peer string (`ipv4:10.0.0.5:51234`, `ipv6:[::1]:51234`, `unix:/path`):
 * the port changes per connection, the address is what hosts behind one attacker share.
 */
export function peerHost(peer: string | null): string | null {
  if (!peer) return null;
  const withoutScheme = peer.replace(/^(ipv4|ipv6|dns|unix):/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(withoutScheme);
  if (bracketed) return bracketed[1].slice(0, 255);
  const hostPort = /^([^:]+):\d+$/.exec(withoutScheme);
  return (hostPort ? hostPort[1] : withoutScheme).slice(0, 255);
}

/** sha256 of the agent's install key (32 random bytes it never shares otherwise); null when it sent none or one too short to trust. */
function installKeyDigest(key: string | undefined): string | null {
  if (key === undefined) return null;
  return key.length >= 32 && key.length <= 256 ? createHash('sha256').update(key, 'utf8').digest('hex') : null;
}
