import { z } from 'zod';

/**
 * Alerting settings, read from the environment when the hub starts (the hub's
 * own config schema drops keys it does not know, so these are parsed here).
 */
export const alertsConfigSchema = z.object({
  /** How often detection runs; 0 turns the schedule off (POST /api/v1/alerts/evaluate still works). */
  FLEETTUNE_ALERTS_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(300),
  /** No alert fires until the fleet has this much history (from its first ingested batch); 0 turns it off. */
  FLEETTUNE_ALERTS_LEARNING_SECONDS: z.coerce.number().int().min(0).default(7 * 86_400),
  /** How far back before the recent period a subject's baseline reaches. */
  FLEETTUNE_ALERTS_BASELINE_SECONDS: z.coerce.number().int().min(60).default(7 * 86_400),
  /** The "now" period judged against the baseline (whole evaluation windows, rounded up). */
  FLEETTUNE_ALERTS_RECENT_SECONDS: z.coerce.number().int().min(60).default(3_600),
  /** A subject already noisy in its baseline alerts again when its peak rate grows by this factor. */
  FLEETTUNE_ALERTS_JUMP_FACTOR: z.coerce.number().gt(1).default(10),
  /** After an alert is resolved, the same subject does not alert again for this long. */
  FLEETTUNE_ALERTS_COOLDOWN_SECONDS: z.coerce.number().int().min(0).default(86_400),
  /** Delivery retries per (alert, channel): exponential backoff from the base delay. */
  /** With the defaults: 10 s, 20 s, ... doubling up to 1 h between tries, about two days of tries in all. */
  FLEETTUNE_ALERTS_DELIVERY_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(60),
  FLEETTUNE_ALERTS_DELIVERY_BACKOFF_MS: z.coerce.number().int().min(1).default(10_000),
  FLEETTUNE_ALERTS_DELIVERY_MAX_BACKOFF_MS: z.coerce.number().int().min(1).default(3_600_000),
  FLEETTUNE_ALERTS_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Base URL of the dashboard for alert links (`<base>/#/alerts/<id>`); relative links when empty. */
  FLEETTUNE_PUBLIC_URL: z
    .string()
    .default('')
    .refine((v) => v === '' || /^https?:\/\//.test(v), 'must be an http(s):// URL')
    .transform((v) => v.replace(/\/+$/, '')),
});

export type AlertsConfig = z.infer<typeof alertsConfigSchema>;

export function loadAlertsConfig(env: NodeJS.ProcessEnv = process.env): AlertsConfig {
  const parsed = alertsConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new Error(`invalid alerts configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export const ALERTS_CONFIG = Symbol('ALERTS_CONFIG');
export const ALERTS_QUEUE = 'alerts';
export const ALERT_DELIVERY_QUEUE = 'alert-deliveries';
