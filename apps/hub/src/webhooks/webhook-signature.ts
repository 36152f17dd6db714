import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How the hub signs what it sends to webhook receivers (alert channels of
 * type webhook, policy push targets):
 *
 *   X-Fleettune-Delivery:  unique id of the delivery (same on every retry of it)
 *   X-Fleettune-Timestamp: unix seconds when this attempt was signed
 *   X-Fleettune-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *
 * Binding the timestamp into the MAC lets a receiver refuse a captured request
 * replayed later; the delivery id lets it drop a retry it already processed.
 * `verifyWebhook` is the receiver's side of it (docs/security.md section 6).
 */
export const SIGNATURE_HEADER = 'X-Fleettune-Signature';
export const TIMESTAMP_HEADER = 'X-Fleettune-Timestamp';
export const DELIVERY_HEADER = 'X-Fleettune-Delivery';

/** How old a signed request a receiver should accept, by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body, 'utf8').digest('hex');
}

export type WebhookVerdict = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'bad-signature' };

/**
 * A receiver's check: the signature (constant-time compare over the raw body
 * bytes as received) and the freshness of the timestamp. Deduplication by the
 * delivery id is the receiver's to keep (it needs its own store).
 */
export function verifyWebhook(
  secret: string,
  req: { body: string; timestamp: string | undefined; signature: string | undefined },
  opts: { now?: number; toleranceSeconds?: number } = {},
): WebhookVerdict {
  if (!req.signature || !req.timestamp || !/^\d{1,12}$/.test(req.timestamp)) return { ok: false, reason: 'missing' };
  const ts = Number(req.timestamp);
  const expected = Buffer.from(signWebhook(secret, ts, req.body));
  const got = Buffer.from(req.signature);
  if (expected.length !== got.length || !timingSafeEqual(expected, got)) return { ok: false, reason: 'bad-signature' };
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: 'stale' };
  return { ok: true };
}
