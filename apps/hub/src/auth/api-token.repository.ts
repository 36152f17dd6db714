import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { bearerFrom, StoredApiToken } from './bearer-token';
import { TokenDigester } from './token-digest';

const looked = new WeakMap<object, Promise<StoredApiToken | null>>();

/** The API tokens' data access for the guards (they never touch the database themselves). */
@Injectable()
export class ApiTokenRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly digester: TokenDigester,
  ) {}

  /**
   * The API token row a request's bearer names, or null. Looked up once per
   * request: the rate limiter (which runs first, to key by token id) and the
   * auth guard share the answer instead of querying twice.
   */
  lookUp(request: { headers: Record<string, unknown> }): Promise<StoredApiToken | null> {
    let found = looked.get(request);
    if (!found) {
      const bearer = bearerFrom(request.headers);
      found = bearer ? this.find(bearer) : Promise.resolve(null);
      looked.set(request, found);
    }
    return found;
  }

  /** By its peppered digest, or by the legacy one (then upgraded in place: the next lookup is a direct hit). */
  private async find(bearer: string): Promise<StoredApiToken | null> {
    const [peppered, legacy] = this.digester.candidates(bearer);
    const row = await this.prisma.apiToken.findFirst({
      where: { tokenHash: { in: [peppered, legacy] } },
      orderBy: { createdAt: 'asc' },
      select: { id: true, name: true, role: true, revokedAt: true, tokenHash: true },
    });
    if (!row) return null;
    if (row.tokenHash === legacy) {
      await this.prisma.apiToken.updateMany({ where: { id: row.id, tokenHash: legacy }, data: { tokenHash: peppered } }).catch(() => undefined);
    }
    return { id: row.id, name: row.name, role: row.role, revokedAt: row.revokedAt };
  }
}
