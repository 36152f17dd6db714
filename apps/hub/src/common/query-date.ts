import { z } from 'zod';

/**
 * A date in a query or body: anything `Date` parses, within years 1..9999.
 * JavaScript dates reach ±271821, which PostgreSQL cannot store or compare
 * (a fuzzed `until=-271821-04-20T00:00:00Z` was a 500); such input is a 400.
 */
export const apiDate = z.coerce.date().refine((d) => d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999, 'must be a date between the years 1 and 9999');
