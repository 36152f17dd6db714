import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';

/** `limit` + opaque `cursor` (or a plain `offset`), shared by every paged list. */
export const pageQueryShape = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
};

export const pageQuerySchema = z.object(pageQueryShape);
export type PageQuery = z.infer<typeof pageQuerySchema>;

import type { Page } from '@fleettune/api-contract';
export type { Page };

export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeCursor<T extends Record<string, unknown>>(cursor: string, check: (v: Record<string, unknown>) => v is T): T {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (v && typeof v === 'object' && check(v as Record<string, unknown>)) return v as T;
  } catch {
    // fall through
  }
  throw new BadRequestException({ message: 'invalid query', issues: [{ path: 'cursor', message: 'not a cursor this endpoint issued' }] });
}

/** Offset paging for small tables: the cursor carries the next offset. */
export function offsetOf(q: PageQuery): number {
  if (q.cursor) return decodeCursor(q.cursor, (v): v is { o: number } => Number.isInteger(v.o) && (v.o as number) >= 0).o;
  return q.offset ?? 0;
}

/** Builds a page from `limit + 1` fetched rows. */
export function offsetPage<T>(rows: T[], q: PageQuery, offset: number, total?: number): Page<T> {
  const more = rows.length > q.limit;
  return { items: rows.slice(0, q.limit), nextCursor: more ? encodeCursor({ o: offset + q.limit }) : null, ...(total !== undefined ? { total } : {}) };
}
