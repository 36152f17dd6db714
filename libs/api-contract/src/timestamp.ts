/**
 * Views carry their timestamps as `Date` inside the hub and as ISO-8601
 * strings once serialized: each view type takes the timestamp type as a
 * parameter, `string` (the wire) by default.
 */
export type Timestamp = string | Date;
