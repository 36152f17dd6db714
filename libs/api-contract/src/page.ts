import { z } from 'zod';

/** A page of a cursor-paged list: pass `nextCursor` as `cursor` for the next page; null on the last one. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total?: number;
}

/** The schema of a page of `item`s (see Page). */
export function pageSchema<S extends z.ZodType>(item: S) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last one'),
    total: z.number().int().optional(),
  });
}
