/** A page of a cursor-paged list: pass `nextCursor` as `cursor` for the next page; null on the last one. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total?: number;
}
