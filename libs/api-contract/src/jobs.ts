import { z } from 'zod';

/** A queued background job (recompute, alert detection): poll its state with GET …/jobs/{jobId}. */
export const queuedJobSchema = z.object({ jobId: z.string() });
export type QueuedJob = z.infer<typeof queuedJobSchema>;

/** A background job's state (BullMQ: waiting, active, completed, failed, ...) and, once done, its result. */
export const jobStateSchema = z.object({
  id: z.string(),
  state: z.string(),
  result: z.unknown().optional(),
  failedReason: z.string().optional(),
});
export type JobState = z.infer<typeof jobStateSchema>;

/** GET /healthz. */
export const livenessSchema = z.object({ status: z.literal('ok') });

/** GET /readyz: each dependency's probe. */
export const readinessSchema = z.object({
  status: z.literal('ready'),
  checks: z.record(z.string(), z.looseObject({ ok: z.boolean() })),
});
