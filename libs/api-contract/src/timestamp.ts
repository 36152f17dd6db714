import { z } from 'zod';

/**
 * Views carry their timestamps as `Date` inside the hub and as ISO-8601
 * strings once serialized: each view type takes the timestamp type as a
 * parameter, `string` (the wire) by default.
 */
export type Timestamp = string | Date;

/**
 * A timestamp field: an ISO-8601 string on the wire (what the OpenAPI document shows and what a client
 * parses), a `Date` inside the hub (JSON.stringify writes it as the same string).
 */
export const timestamp = z.codec(z.iso.datetime({ offset: true }), z.date(), {
  decode: (s) => new Date(s),
  encode: (d) => d.toISOString(),
});

/**
 * The type of a view schema as the hub builds it (`T = Date`: timestamps are Dates) or as the wire
 * carries it (`T = string`, the default: ISO strings). One schema, so one definition for both sides.
 */
export type ViewOf<S extends z.ZodType, T extends Timestamp> = [T] extends [Date] ? z.output<S> : z.input<S>;
