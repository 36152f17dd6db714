import { z } from 'zod';

export const POLICY_PUSH_QUEUE = 'policy-push';

const schema = z.object({
  /** Delivery attempts of one webhook push (first try included). */
  FLEETTUNE_POLICY_PUSH_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** First retry delay; BullMQ doubles it per attempt (exponential backoff). */
  FLEETTUNE_POLICY_PUSH_BACKOFF_MS: z.coerce.number().int().min(1).default(5_000),
  /** Timeout of one webhook request. */
  FLEETTUNE_POLICY_PUSH_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
});

export type PolicyPushSettings = { attempts: number; backoffMs: number; timeoutMs: number };

/** Read from the environment at use (the hub's validated config belongs to another module). */
export function policyPushSettings(env: NodeJS.ProcessEnv = process.env): PolicyPushSettings {
  const p = schema.parse(env);
  return { attempts: p.FLEETTUNE_POLICY_PUSH_ATTEMPTS, backoffMs: p.FLEETTUNE_POLICY_PUSH_BACKOFF_MS, timeoutMs: p.FLEETTUNE_POLICY_PUSH_TIMEOUT_MS };
}
