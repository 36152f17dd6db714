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
