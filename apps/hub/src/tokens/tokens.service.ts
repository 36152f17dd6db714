import type {
  ApiTokenView as ContractApiTokenView,
  CreatedApiToken,
  CreatedEnrollmentSecret,
  EnrollmentSecretView as ContractEnrollmentSecretView,
} from '@fleettune/api-contract';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { Role } from '../auth/roles';
import { TokenDigester, digestToken, generateToken } from '../auth/token-digest';
import { ApiTokenRow, CredentialRepository, EnrollmentSecretRow } from './credential.repository';

export type ApiTokenView = ContractApiTokenView<Date>;

export type EnrollmentSecretView = ContractEnrollmentSecretView<Date>;

/**
 * API tokens and enrollment secrets: random, shown once, stored as peppered
 * digests (TokenDigester). Shared by REST and the CLI; a CLI run without the
 * pepper in its environment stores the legacy digest, upgraded on first use.
 */
export class CredentialStore {
  private readonly digest: (token: string) => string;

  constructor(
    private readonly credentials: CredentialRepository,
    digester?: TokenDigester,
  ) {
    this.digest = digester ? (t) => digester.digest(t) : digestToken;
  }

  async createToken(name: string, role: Role): Promise<CreatedApiToken<Date>> {
    const token = generateToken('ftk');
    const row = await this.credentials.createToken(name, role, this.digest(token));
    return { ...tokenView(row), token };
  }

  async listTokens(skip: number, take: number, includeRevoked: boolean): Promise<{ rows: ApiTokenView[]; total: number }> {
    return viewsOf(await this.credentials.tokenPage(skip, take, includeRevoked), tokenView);
  }

  /** Revokes a token; refuses to revoke the last active admin token (the fleet would be unmanageable). */
  async revokeToken(id: string): Promise<ApiTokenView> {
    const r = await this.credentials.revokeToken(id, new Date());
    if ('missing' in r) throw new NotFoundException(`token ${id} not found`);
    if ('lastAdmin' in r) throw new ConflictException('this is the last active admin token; create another admin token first');
    return tokenView(r.row);
  }

  async createEnrollmentSecret(name: string, expiresAt?: Date, maxUses?: number): Promise<CreatedEnrollmentSecret<Date>> {
    const secret = generateToken('fte');
    const row = await this.credentials.createEnrollmentSecret(name, this.digest(secret), expiresAt ?? null, maxUses ?? null);
    return { ...secretView(row), secret };
  }

  async listEnrollmentSecrets(skip: number, take: number, includeRevoked: boolean): Promise<{ rows: EnrollmentSecretView[]; total: number }> {
    return viewsOf(await this.credentials.enrollmentSecretPage(skip, take, includeRevoked), secretView);
  }

  async revokeEnrollmentSecret(id: string): Promise<EnrollmentSecretView> {
    const row = await this.credentials.revokeEnrollmentSecret(id, new Date());
    if (!row) throw new NotFoundException(`enrollment secret ${id} not found`);
    return secretView(row);
  }
}

/** A page of stored rows as the views REST shows (never a digest). */
function viewsOf<R, V>(page: { rows: R[]; total: number }, view: (row: R) => V): { rows: V[]; total: number } {
  return { rows: page.rows.map(view), total: page.total };
}

function tokenView(r: ApiTokenRow): ApiTokenView {
  return { id: r.id, name: r.name, role: r.role, createdAt: r.createdAt, revokedAt: r.revokedAt, active: !r.revokedAt };
}

function secretView(r: EnrollmentSecretRow): EnrollmentSecretView {
  const active = !r.revokedAt && !(r.expiresAt && r.expiresAt <= new Date()) && !(r.maxUses !== null && r.uses >= r.maxUses);
  return { id: r.id, name: r.name, createdAt: r.createdAt, expiresAt: r.expiresAt, maxUses: r.maxUses, uses: r.uses, revokedAt: r.revokedAt, active };
}

@Injectable()
export class TokensService extends CredentialStore {
  constructor(credentials: CredentialRepository, digester: TokenDigester) {
    super(credentials, digester);
  }
}
