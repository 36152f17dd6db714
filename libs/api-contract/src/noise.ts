import { z } from 'zod';
import { hostRefShape } from './host-ref';
import { Timestamp, ViewOf, timestamp } from './timestamp';

/** One row of GET /api/v1/noise/{kind}. */
export const noiseRowSchema = z.object({
  subject: z.string().describe('The path, parent, directory, extension, audit key or syscall'),
  path: z.string().optional().describe('Same as subject for path-like kinds (kept for older clients)'),
  count: z.number(),
  hosts: z.number(),
  ratePerSecond: z.number().describe('count / seconds between the first window start and the last window end'),
  firstWindowStart: timestamp,
  lastWindowEnd: timestamp,
});
export type NoiseRow<T extends Timestamp = string> = ViewOf<typeof noiseRowSchema, T>;

/** GET /api/v1/noise/subject: the hosts behind one subject and, for execs, the parents that start it. */
export const subjectDetailSchema = z.object({
  hosts: z.array(z.object({ ...hostRefShape, count: z.number() })),
  parents: z.array(z.object({ parent: z.string(), count: z.number(), hosts: z.number() })),
});
export type SubjectDetail = z.infer<typeof subjectDetailSchema>;
