import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';

/** Every agent of a host stores its sequences in its own range: agent sequence + base, base = 2^40 per re-key. */
export const SEQUENCE_RANGE = 2n ** 40n;

export type HostStatus = 'active' | 'pending' | 'blocked';

export interface NewHost {
  hostname: string;
  os: string;
  machineId: string | null;
  agentVersion: string | null;
  status: HostStatus;
  enrollmentSecretId: string;
  enrolledAt: Date;
  enrollPeerAddress: string | null;
  installKeyHash: string | null;
}

export interface RekeyedHost {
  id: string;
  status: HostStatus;
}

/** Why a secret did not enroll: for the audit log only (the caller always gets one message). */
export type SecretRefusal = 'unknown' | 'revoked' | 'expired' | 'used-up';

/** Data access of Enroll. Every method takes the transaction the enrollment runs in. */
@Injectable()
export class EnrollmentRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  /**
   * Counts one use of the secret (stored under one of `secretHashes`: peppered or legacy digest) if it is usable, in one statement: concurrent enrollments on a
   * `maxUses` secret serialize on the row lock and each re-checks `uses < max_uses` after the
   * previous one committed, so exactly `maxUses` of them succeed (a read-then-increment let 7 of 8 through).
   */
  async consumeSecret(tx: Prisma.TransactionClient, secretHashes: string[], now: Date): Promise<string | undefined> {
    const rows = await tx.$queryRaw<Array<{ id: string }>>`
      UPDATE enrollment_secrets SET uses = uses + 1
      WHERE secret_hash = ANY(${secretHashes}::text[]) AND revoked_at IS NULL
        AND (expires_at IS NULL OR expires_at > ${now})
        AND (max_uses IS NULL OR uses < max_uses)
      RETURNING id::text AS id`;
    return rows[0]?.id;
  }

  async secretRefusal(tx: Prisma.TransactionClient, secretHashes: string[], now: Date): Promise<{ reason: SecretRefusal; secretId?: string }> {
    const s = await tx.enrollmentSecret.findFirst({ where: { secretHash: { in: secretHashes } } });
    if (!s) return { reason: 'unknown' };
    if (s.revokedAt) return { reason: 'revoked', secretId: s.id };
    if (s.expiresAt && s.expiresAt <= now) return { reason: 'expired', secretId: s.id };
    return { reason: 'used-up', secretId: s.id };
  }

  hostByMachineId(tx: Prisma.TransactionClient, machineId: string): Promise<{ id: string; status: string; installKeyHash: string | null } | null> {
    return tx.host.findUnique({ where: { machineId }, select: { id: true, status: true, installKeyHash: true } });
  }

  /** Retires the host's agents without blocking the host: the same install enrolls again (its credentials were never saved). */
  async retireAgents(tx: Prisma.TransactionClient, hostId: string, at: Date): Promise<void> {
    await tx.agent.updateMany({ where: { hostId, revokedAt: null }, data: { revokedAt: at } });
  }

  async createHost(tx: Prisma.TransactionClient, h: NewHost): Promise<string> {
    const host = await tx.host.create({ data: { ...h, statusChangedAt: h.enrolledAt } });
    return host.id;
  }

  /**
   * Redeems a one-time re-key token: clears it in the same statement that finds it, so two
   * concurrent redemptions cannot both win. A blocked host or an expired token redeems nothing.
   */
  async redeemRekeyToken(tx: Prisma.TransactionClient, tokenHash: string, now: Date): Promise<RekeyedHost | undefined> {
    const rows = await tx.$queryRaw<Array<{ id: string; status: HostStatus }>>`
      UPDATE hosts SET rekey_token_hash = NULL, rekey_expires_at = NULL
      WHERE rekey_token_hash = ${tokenHash} AND rekey_expires_at > ${now} AND status <> 'blocked'
      RETURNING id::text AS id, status`;
    return rows[0];
  }

  /** Binds the re-keyed host to what the new agent reports, and retires any agent it still had. */
  async rebindHost(
    tx: Prisma.TransactionClient,
    hostId: string,
    h: Pick<NewHost, 'hostname' | 'os' | 'machineId' | 'agentVersion' | 'enrolledAt' | 'enrollPeerAddress'>,
  ): Promise<void> {
    await tx.host.update({
      where: { id: hostId },
      data: {
        hostname: h.hostname,
        os: h.os,
        agentVersion: h.agentVersion,
        enrolledAt: h.enrolledAt,
        enrollPeerAddress: h.enrollPeerAddress,
        ...(h.machineId ? { machineId: h.machineId } : {}),
      },
    });
    await tx.agent.updateMany({ where: { hostId, revokedAt: null }, data: { revokedAt: h.enrolledAt } });
  }

  /** The next free sequence range of the host: past every range one of its agents ever had. */
  async nextSequenceBase(tx: Prisma.TransactionClient, hostId: string): Promise<bigint> {
    const rows = await tx.$queryRaw<Array<{ base: bigint | null }>>`
      SELECT max(sequence_base) AS base FROM agents WHERE host_id = ${hostId}::uuid`;
    const top = rows[0]?.base;
    return top === null || top === undefined ? 0n : BigInt(top) + SEQUENCE_RANGE;
  }

  async createAgent(
    tx: Prisma.TransactionClient,
    a: { hostId: string; tokenHash: string; sequenceBase: bigint; certFingerprint: string | null },
  ): Promise<string> {
    const agent = await tx.agent.create({ data: a });
    return agent.id;
  }
}
