import type { ApiTokenView as ContractApiTokenView } from '@fleettune/api-contract';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { PrismaClient } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';
import { Role } from '../auth/roles';
import { TokenDigester, digestToken, generateToken } from '../auth/token-digest';

export type ApiTokenView = ContractApiTokenView<Date>;

export interface EnrollmentSecretView {
  id: string;
  name: string;
  createdAt: Date;
  expiresAt: Date | null;
  maxUses: number | null;
  uses: number;
  revokedAt: Date | null;
  active: boolean;
}

type Db = Pick<PrismaClient, 'apiToken' | 'enrollmentSecret' | '$transaction'>;

/**
 * API tokens and enrollment secrets: random, shown once, stored as peppered
 * digests (TokenDigester). Shared by REST and the CLI; a CLI run without the
 * pepper in its environment stores the legacy digest, upgraded on first use.
 */
export class CredentialStore {
  private readonly digest: (token: string) => string;

  constructor(
    private readonly db: Db,
    digester?: TokenDigester,
  ) {
    this.digest = digester ? (t) => digester.digest(t) : digestToken;
  }

  async createToken(name: string, role: Role): Promise<ApiTokenView & { token: string }> {
    const token = generateToken('ftk');
    const row = await this.db.apiToken.create({ data: { name, role, tokenHash: this.digest(token) } });
    return { ...tokenView(row), token };
  }

  async listTokens(skip: number, take: number, includeRevoked: boolean): Promise<{ rows: ApiTokenView[]; total: number }> {
    const page = await newestFirstPage(this.db.apiToken, skip, take, includeRevoked);
    return { rows: page.rows.map(tokenView), total: page.total };
  }

  /** Revokes a token; refuses to revoke the last active admin token (the fleet would be unmanageable). */
  async revokeToken(id: string): Promise<ApiTokenView> {
    return this.db.$transaction(async (tx) => {
      const row = await tx.apiToken.findUnique({ where: { id } });
      if (!row) throw new NotFoundException(`token ${id} not found`);
      if (row.revokedAt) return tokenView(row);
      if (row.role === 'admin') {
        const admins = await tx.apiToken.count({ where: { role: 'admin', revokedAt: null } });
        if (admins <= 1) throw new ConflictException('this is the last active admin token; create another admin token first');
      }
      return tokenView(await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() } }));
    });
  }

  async createEnrollmentSecret(name: string, expiresAt?: Date, maxUses?: number): Promise<EnrollmentSecretView & { secret: string }> {
    const secret = generateToken('fte');
    const row = await this.db.enrollmentSecret.create({
      data: { name, secretHash: this.digest(secret), expiresAt: expiresAt ?? null, maxUses: maxUses ?? null },
    });
    return { ...secretView(row), secret };
  }

  async listEnrollmentSecrets(skip: number, take: number, includeRevoked: boolean): Promise<{ rows: EnrollmentSecretView[]; total: number }> {
    const page = await newestFirstPage(this.db.enrollmentSecret, skip, take, includeRevoked);
    return { rows: page.rows.map(secretView), total: page.total };
  }

  async revokeEnrollmentSecret(id: string): Promise<EnrollmentSecretView> {
    const row = await this.db.enrollmentSecret.findUnique({ where: { id } });
    if (!row) throw new NotFoundException(`enrollment secret ${id} not found`);
    if (row.revokedAt) return secretView(row);
    return secretView(await this.db.enrollmentSecret.update({ where: { id }, data: { revokedAt: new Date() } }));
  }
}

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

function tokenView(r: { id: string; name: string; role: string; createdAt: Date; revokedAt: Date | null }): ApiTokenView {
  return { id: r.id, name: r.name, role: r.role, createdAt: r.createdAt, revokedAt: r.revokedAt, active: !r.revokedAt };
}

function secretView(r: {
  id: string;
  name: string;
  createdAt: Date;
  expiresAt: Date | null;
  maxUses: number | null;
  uses: number;
  revokedAt: Date | null;
}): EnrollmentSecretView {
  const active = !r.revokedAt && !(r.expiresAt && r.expiresAt <= new Date()) && !(r.maxUses !== null && r.uses >= r.maxUses);
  return { id: r.id, name: r.name, createdAt: r.createdAt, expiresAt: r.expiresAt, maxUses: r.maxUses, uses: r.uses, revokedAt: r.revokedAt, active };
}

@Injectable()
export class TokensService extends CredentialStore {
  constructor(prisma: PrismaService, digester: TokenDigester) {
    super(prisma, digester);
  }
}
