import { Injectable } from '@nestjs/common';
import { OutboundAddress, OutboundRefusedError } from './outbound-address';
import { OutboundHttp, parsedUrl } from './outbound-http';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './webhook-signature';

export interface WebhookRequest {
  url: string;
  /** The exact bytes to send (JSON). */
  body: string;
  /** Same on every retry of one delivery, so receivers can drop duplicates. */
  deliveryId: string;
  /** HMAC key; absent for receivers that authenticate by URL (Slack). */
  secret?: string | null;
  timeoutMs: number;
  /** Extra headers (event name, attempt number). */
  headers?: Record<string, string>;
}

export interface WebhookResult {
  ok: boolean;
  statusCode?: number;
  /** What went wrong, in detail (admins and logs only; see `publicDeliveryError`). */
  error?: string;
  /** The target may never be reached (address refused): retrying is pointless. */
  permanent: boolean;
  durationMs: number;
}

/**
 * The one sender of signed webhooks (alert channels, policy push), on the
 * hub's shared outbound client (OutboundHttp): resolves the target and refuses non-public addresses unless
 * allow-listed, connects to exactly the checked address (DNS rebinding cannot
 * move it), signs `timestamp.body`, never follows redirects, times out, and
 * reads at most FLEETTUNE_OUTBOUND_MAX_RESPONSE_BYTES of the answer.
 * It makes one attempt; retries are the caller's queue's business.
 */
@Injectable()
export class SignedWebhookSender extends OutboundHttp {
  /** Why a target URL cannot be used, checked when it is registered; undefined when it can. */
  async urlProblem(url: string): Promise<string | undefined> {
    const u = parsedUrl(url);
    if (!u) return 'not a URL';
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http(s) URL';
    if (u.username || u.password) return 'credentials in the URL are not supported';
    return this.hostProblem(u.hostname);
  }

  /** Why outbound calls may not reach this host (the same address policy as webhooks), or undefined. Git remotes use it. */
  async hostProblem(hostname: string): Promise<string | undefined> {
    try {
      await this.addresses.resolve(hostname);
      return undefined;
    } catch (err) {
      // A name that does not resolve yet may be registered later; one that resolves inside is refused now.
      return err instanceof OutboundRefusedError ? err.message : undefined;
    }
  }

  async send(req: WebhookRequest): Promise<WebhookResult> {
    const started = performance.now();
    const done = (r: Omit<WebhookResult, 'durationMs'>): WebhookResult => ({ ...r, durationMs: Math.round(performance.now() - started) });
    let u: URL;
    try {
      u = new URL(req.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      return done({ ok: false, error: 'invalid target URL', permanent: true });
    }
    let pinned: OutboundAddress;
    try {
      pinned = await this.addresses.resolve(u.hostname);
    } catch (err) {
      if (err instanceof OutboundRefusedError) return done({ ok: false, error: err.message, permanent: true });
      return done({ ok: false, error: `cannot resolve ${u.hostname}: ${errorText(err)}`, permanent: false });
    }
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'fleettune-hub',
      ...req.headers,
      [DELIVERY_HEADER]: req.deliveryId,
      [TIMESTAMP_HEADER]: String(timestamp),
      ...(req.secret ? { [SIGNATURE_HEADER]: signWebhook(req.secret, timestamp, req.body) } : {}),
    };
    try {
      const statusCode = await this.post(u, pinned, headers, req.body, req.timeoutMs);
      return done(
        statusCode >= 200 && statusCode < 300
          ? { ok: true, statusCode, permanent: false }
          : { ok: false, statusCode, error: `receiver answered HTTP ${statusCode}`, permanent: false },
      );
    } catch (err) {
      return done({ ok: false, error: errorText(err), permanent: false });
    }
  }

  private post(u: URL, pinned: OutboundAddress, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
    const cap = this.config.FLEETTUNE_OUTBOUND_MAX_RESPONSE_BYTES;
    return this.pinnedRequest<number>(u, pinned, { method: 'POST', headers, body, timeoutMs }, (res, resolve) => {
      let read = 0;
      const status = res.statusCode ?? 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        // The status is all the hub needs; a receiver that keeps talking is cut off.
        if (read > cap) {
          res.destroy();
          resolve(status);
        }
      });
      res.on('end', () => resolve(status));
      res.on('error', () => resolve(status));
      res.on('close', () => resolve(status));
    });
  }
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
  return code ? `${code}: ${err.message}` : `${err.name}: ${err.message}`;
}

/**
 * What non-admins see of a failed delivery: that it failed, not how (a
 * status code or "connection refused" per target would map the network
 * behind the hub). Admins read the detail in the target's or channel's log.
 */
export function publicDeliveryError(detail: string | null): string | null {
  return detail === null ? null : 'delivery failed (details in the admin delivery log)';
}

/** The status code non-admins see: a success, or nothing (which error code an internal target gave is detail). */
export function publicStatusCode(code: number | null): number | null {
  return code !== null && code >= 200 && code < 300 ? code : null;
}
