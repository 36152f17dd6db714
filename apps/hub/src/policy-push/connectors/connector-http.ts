import { Injectable } from '@nestjs/common';
import type * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { OutboundAddress, OutboundRefusedError } from '../../webhooks/outbound-address';
import { OutboundHttp, parsedUrl } from '../../webhooks/outbound-http';
import { ConnectorError } from './policy-console-connector';

export interface ConnectorRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent as is (the caller sets content-type). */
  body?: string;
}

export interface ConnectorAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A bearer token source: `refresh` is called once when the API answers 401 (the token expired or was revoked). */
export interface BearerAuth {
  token(): Promise<string>;
  refresh(): Promise<string>;
}

/** Most bytes of a console's answer read: pages of exclusions are larger than a webhook receiver's "ok". */
export const CONNECTOR_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** 5xx and network errors are retried this many times within one call, with doubling delays from RETRY_BASE_MS. */
export const CONNECTOR_MAX_RETRIES = 3;
const RETRY_BASE_MS = 250;
/** A Retry-After longer than this fails the call as retryable: the job's backoff waits instead of a worker. */
export const CONNECTOR_MAX_RETRY_AFTER_MS = 60_000;

/**
 * The HTTP client of the console connectors. Every call goes through the
 * hub's outbound address policy (webhooks/outbound-address.ts): the host is
 * resolved once, refused when not public unless allow-listed, and the
 * connection pinned to the checked address. https only, except to a
 * loopback address (a local fake console in tests, or a proxy on the hub's
 * own host), which the policy refuses unless allow-listed anyway: client
 * secrets never cross a network in clear. No redirects are followed.
 *
 * `call` adds the retries every vendor documents the same way: 401 → one
 * token refresh and retry; 429 → wait Retry-After (bounded); 5xx and
 * network errors → bounded exponential backoff. What is left throws a
 * ConnectorError (retryable or not) carrying the vendor's error text.
 */
@Injectable()
export class ConnectorHttp extends OutboundHttp {
  /** Why a connector may not call this URL, or undefined (checked when a target is created; DNS that does not resolve yet passes). */
  async urlProblem(url: string): Promise<string | undefined> {
    const u = parsedUrl(url);
    if (!u) return `${url} is not a URL`;
    if (u.username || u.password) return 'credentials in the URL are not supported';
    try {
      const a = await this.addresses.resolve(u.hostname);
      return schemeProblem(u, a.address);
    } catch (err) {
      return err instanceof OutboundRefusedError ? err.message : undefined;
    }
  }

  /** One request, no retries: the status, headers and (capped) text of the answer. Throws ConnectorError on a refused address or a network error. */
  async request(req: ConnectorRequest): Promise<ConnectorAnswer> {
    const u = new URL(req.url);
    let pinned: OutboundAddress;
    try {
      pinned = await this.addresses.resolve(u.hostname);
    } catch (err) {
      if (err instanceof OutboundRefusedError) throw new ConnectorError(`${u.hostname}: ${err.message}`, { retryable: false });
      throw new ConnectorError(`cannot resolve ${u.hostname}: ${(err as Error).message}`, { retryable: true });
    }
    const refused = schemeProblem(u, pinned.address);
    if (refused) throw new ConnectorError(refused, { retryable: false });
    try {
      return await this.send(u, pinned, req);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timed out' : e.code ? `${e.code}: ${e.message}` : e.message;
      throw new ConnectorError(`${req.method} ${u.origin}${u.pathname}: ${why}`, { retryable: true });
    }
  }

  /** A request with the vendors' retry rules (see the class comment); resolves with a 2xx answer only. */
  async call(req: ConnectorRequest, auth?: BearerAuth): Promise<ConnectorAnswer> {
    let refreshed = false;
    let retries = 0;
    let token = auth ? await auth.token() : undefined;
    for (;;) {
      const headers = { accept: 'application/json', ...req.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
      let answer: ConnectorAnswer;
      try {
        answer = await this.request({ ...req, headers });
      } catch (err) {
        if (err instanceof ConnectorError && err.retryable && retries < CONNECTOR_MAX_RETRIES) {
          await sleep(RETRY_BASE_MS * 2 ** retries++);
          continue;
        }
        throw err;
      }
      const where = `${req.method} ${new URL(req.url).pathname}`;
      if (answer.status >= 200 && answer.status < 300) return answer;
      if (answer.status === 401 && auth && !refreshed) {
        refreshed = true;
        token = await auth.refresh();
        continue;
      }
      if (answer.status === 429) {
        const wait = retryAfterMs(answer.headers['retry-after']);
        if (retries < CONNECTOR_MAX_RETRIES && wait <= CONNECTOR_MAX_RETRY_AFTER_MS) {
          retries++;
          await sleep(wait);
          continue;
        }
        throw new ConnectorError(`${where}: rate limited (HTTP 429, Retry-After ${answer.headers['retry-after'] ?? 'absent'})`, {
          retryable: true,
          statusCode: 429,
        });
      }
      if (answer.status >= 500 && retries < CONNECTOR_MAX_RETRIES) {
        await sleep(RETRY_BASE_MS * 2 ** retries++);
        continue;
      }
      throw new ConnectorError(`${where}: HTTP ${answer.status}${vendorError(answer.text)}`, {
        retryable: answer.status >= 500,
        statusCode: answer.status,
      });
    }
  }

  /** `call` and the answer's JSON; a 2xx that is not JSON is a ConnectorError. */
  async json<T = unknown>(req: ConnectorRequest, auth?: BearerAuth): Promise<T> {
    const a = await this.call(req, auth);
    if (a.status === 204 || a.text === '') return undefined as T;
    try {
      return JSON.parse(a.text) as T;
    } catch {
      throw new ConnectorError(`${req.method} ${new URL(req.url).pathname}: the answer is not JSON`, { retryable: false, statusCode: a.status });
    }
  }

  private send(u: URL, pinned: OutboundAddress, req: ConnectorRequest): Promise<ConnectorAnswer> {
    const headers = { 'user-agent': 'fleettune-hub', ...req.headers };
    const timeoutMs = this.config.FLEETTUNE_POLICY_PUSH_TIMEOUT_MS;
    return this.pinnedRequest<ConnectorAnswer>(u, pinned, { method: req.method, headers, body: req.body, timeoutMs }, (res, resolve, reject) => {
      const chunks: Buffer[] = [];
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > CONNECTOR_MAX_RESPONSE_BYTES) {
          res.destroy();
          reject(new Error(`the answer is larger than ${CONNECTOR_MAX_RESPONSE_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
  }
}

/** A configured base URL without its trailing slashes, ready for `${base}/path`. */
export function withoutTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

function schemeProblem(u: URL, address: string): string | undefined {
  if (u.protocol === 'https:') return undefined;
  const loopback = address === '::1' || address.startsWith('127.');
  if (u.protocol === 'http:' && loopback) return undefined;
  return `${u.origin}: connectors call https:// URLs only (http:// only to a loopback address)`;
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3); absent or unreadable: one second. */
export function retryAfterMs(header: string | string[] | undefined): number {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return 1000;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? 1000 : Math.max(0, at - Date.now());
}

/** The vendor's error text, short, for the push log (`errors: [...]`, `error.message`, `message`, or the start of the body). */
function vendorError(text: string): string {
  if (!text) return '';
  try {
    const j = JSON.parse(text) as { errors?: unknown; error?: { message?: unknown } | string; message?: unknown; error_description?: unknown };
    const e = j.errors ?? (typeof j.error === 'object' ? j.error?.message : j.error) ?? j.message ?? j.error_description;
    if (e !== undefined) return `: ${(typeof e === 'string' ? e : JSON.stringify(e)).slice(0, 300)}`;
  } catch {
    // not JSON: the start of the text
  }
  return `: ${text.slice(0, 200)}`;
}
