import { PrismaService } from '../database/prisma.service';
import { TokenDigester } from './token-digest';

export interface StoredApiToken {
  id: string;
  name: string;
  role: string;
  revokedAt: Date | null;
}

/** `Bearer <token>` with a sane length, else null (missing, malformed or absurdly long). */
export function bearerFrom(headers: Record<string, unknown>): string | null {
  const header = headers['authorization'];
  const match = typeof header === 'string' ? /^Bearer\s+(\S{1,512})$/i.exec(header) : null;
  return match ? match[1] : null;
}

const looked = new WeakMap<object, Promise<StoredApiToken | null>>();

/**
 * The API token row a request's bearer names, or null. Looked up once per
 * request: the rate limiter (which runs first, to key by token id) and the
 * auth guard share the answer instead of querying twice.
 */
export function lookUpApiToken(prisma: PrismaService, digester: TokenDigester, request: { headers: Record<string, unknown> }): Promise<StoredApiToken | null> {
  let found = looked.get(request);
  if (!found) {
    const bearer = bearerFrom(request.headers);
    found = bearer ? findApiToken(prisma, digester, bearer) : Promise.resolve(null);
    looked.set(request, found);
  }
  return found;
}

/** By its peppered digest, or by the legacy one (then upgraded in place: the next lookup is a direct hit). */
async function findApiToken(prisma: PrismaService, digester: TokenDigester, bearer: string): Promise<StoredApiToken | null> {
  const [peppered, legacy] = digester.candidates(bearer);
  const row = await prisma.apiToken.findFirst({
    where: { tokenHash: { in: [peppered, legacy] } },
    orderBy: { createdAt: 'asc' },
    select: { id: true, name: true, role: true, revokedAt: true, tokenHash: true },
  });
  if (!row) return null;
  if (row.tokenHash === legacy) {
    await prisma.apiToken.updateMany({ where: { id: row.id, tokenHash: legacy }, data: { tokenHash: peppered } }).catch(() => undefined);
  }
  return { id: row.id, name: row.name, role: row.role, revokedAt: row.revokedAt };
}
