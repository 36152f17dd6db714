import { Inject, Injectable } from '@nestjs/common';
import { PrismaClient } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';

export interface ApiTokenRow {
  id: string;
  name: string;
  role: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface EnrollmentSecretRow {
  id: string;
  name: string;
  createdAt: Date;
  expiresAt: Date | null;
  maxUses: number | null;
  uses: number;
  revokedAt: Date | null;
}

/** What revoking a token found: the row (revoked now or before), no such token, or the last active admin token (left alone). */
export type TokenRevocation = { row: ApiTokenRow } | { missing: true } | { lastAdmin: true };

/** The delegate methods both credential tables share (Prisma's per-model delegates have no common type). */
interface RevocableDelegate<Row> {
  findMany(args: { where: object; orderBy: object[]; skip: number; take: number }): Promise<Row[]>;
  count(args: { where: object }): Promise<number>;
}

/** Newest first, ties by id so pages never overlap; revoked rows only when asked for. */
async function newestFirstPage<Row>(delegate: RevocableDelegate<Row>, skip: number, take: number, includeRevoked: boolean) {
  const where = includeRevoked ? {} : { revokedAt: null };
  const [rows, total] = await Promise.all([
    delegate.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], skip, take }),
    delegate.count({ where }),
  ]);
  return { rows, total };
}

/** API tokens' and enrollment secrets' data access (stored as digests only), for REST and the admin CLI. */
@Injectable()
export class CredentialRepository {
  // Typed as the client, not the Nest service, so the CLI can hand in its own short-lived client.
  constructor(@Inject(PrismaService) private readonly prisma: PrismaClient) {}

  createToken(name: string, role: string, tokenHash: string): Promise<ApiTokenRow> {
    return this.prisma.apiToken.create({ data: { name, role, tokenHash } });
  }

  tokenPage(skip: number, take: number, includeRevoked: boolean): Promise<{ rows: ApiTokenRow[]; total: number }> {
    return newestFirstPage(this.prisma.apiToken, skip, take, includeRevoked);
  }

  /** Revokes a token in one transaction with the count of the other active admin tokens, so two revocations cannot both pass it. */
  revokeToken(id: string, at: Date): Promise<TokenRevocation> {
    return this.prisma.$transaction(async (tx): Promise<TokenRevocation> => {
      const row = await tx.apiToken.findUnique({ where: { id } });
      if (!row) return { missing: true };
      if (row.revokedAt) return { row };
      if (row.role === 'admin') {
        const admins = await tx.apiToken.count({ where: { role: 'admin', revokedAt: null } });
        if (admins <= 1) return { lastAdmin: true };
      }
      return { row: await tx.apiToken.update({ where: { id }, data: { revokedAt: at } }) };
    });
  }

  createEnrollmentSecret(name: string, secretHash: string, expiresAt: Date | null, maxUses: number | null): Promise<EnrollmentSecretRow> {
    return this.prisma.enrollmentSecret.create({ data: { name, secretHash, expiresAt, maxUses } });
  }

  enrollmentSecretPage(skip: number, take: number, includeRevoked: boolean): Promise<{ rows: EnrollmentSecretRow[]; total: number }> {
    return newestFirstPage(this.prisma.enrollmentSecret, skip, take, includeRevoked);
  }

  /** Revokes a secret (keeping the first revocation time); null when there is no such secret. */
  async revokeEnrollmentSecret(id: string, at: Date): Promise<EnrollmentSecretRow | null> {
    const row = await this.prisma.enrollmentSecret.findUnique({ where: { id } });
    if (!row || row.revokedAt) return row;
    return this.prisma.enrollmentSecret.update({ where: { id }, data: { revokedAt: at } });
  }

  /**
   * The bootstrap admin token from the environment: stored once (a row an older hub stored under the
   * unpeppered digest is upgraded, not duplicated).
   */
  async ensureAdminToken(tokenHash: string, legacyHash: string, name: string): Promise<void> {
    await this.prisma.apiToken.updateMany({ where: { tokenHash: legacyHash }, data: { tokenHash } });
    // INSERT … ON CONFLICT DO NOTHING, not upsert: hub replicas start at once with the same token, and Prisma's
    // upsert (select, then insert) lets two of them both insert, the second failing on the unique key (issue 17).
    await this.prisma.apiToken.createMany({ data: [{ tokenHash, name, role: 'admin' }], skipDuplicates: true });
  }

  /** The bootstrap enrollment secret: stored once (legacy digest upgraded), its limits set at every start. */
  async ensureEnrollmentSecret(
    secretHash: string,
    legacyHash: string,
    name: string,
    limits: (row: EnrollmentSecretRow) => { expiresAt: Date | null; maxUses: number | null },
  ): Promise<EnrollmentSecretRow> {
    await this.prisma.enrollmentSecret.updateMany({ where: { secretHash: legacyHash }, data: { secretHash } });
    // As for the admin token: replicas starting at once each insert if missing, never fail on the other's row.
    await this.prisma.enrollmentSecret.createMany({ data: [{ secretHash, name }], skipDuplicates: true });
    const row = await this.prisma.enrollmentSecret.findUniqueOrThrow({ where: { secretHash } });
    return this.prisma.enrollmentSecret.update({ where: { id: row.id }, data: limits(row) });
  }
}
