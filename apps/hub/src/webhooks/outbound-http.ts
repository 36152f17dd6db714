import { Inject, Injectable, Optional } from '@nestjs/common';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { OutboundAddress, OutboundAddressPolicy, Resolver } from './outbound-address';

/** Tests replace DNS with their own answers (rebinding); the hub uses the system resolver. */
export const OUTBOUND_RESOLVER = Symbol('OUTBOUND_RESOLVER');

export interface PinnedRequest {
  method: string;
  headers: http.OutgoingHttpHeaders;
  /** Sent as is, with its content-length; absent: no body. */
  body?: string;
  timeoutMs: number;
}

/** `url` parsed, or undefined when it is not a URL (a target being registered says why in its own words). */
export function parsedUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** Reads the answer its own way (all of it, or only the status) and settles the request's promise. */
export type AnswerReader<T> = (res: http.IncomingMessage, resolve: (value: T) => void, reject: (err: Error) => void) => void;

/**
 * What every outbound HTTP client of the hub (signed webhooks, console
 * connectors) shares: the outbound address policy (a target is resolved
 * once and refused when not public unless allow-listed), and one request
 * connected to exactly the checked address (DNS rebinding cannot move it),
 * with a timeout, without a shared agent and without following redirects.
 * How the answer is read and what a failure means stays with each client.
 */
@Injectable()
export abstract class OutboundHttp {
  protected readonly addresses: OutboundAddressPolicy;

  constructor(
    @Inject(HUB_CONFIG) protected readonly config: HubConfig,
    @Optional() @Inject(OUTBOUND_RESOLVER) resolver?: Resolver,
  ) {
    this.addresses = new OutboundAddressPolicy(config.FLEETTUNE_OUTBOUND_ALLOW_CIDRS, resolver);
  }

  protected pinnedRequest<T>(u: URL, pinned: OutboundAddress, req: PinnedRequest, readAnswer: AnswerReader<T>): Promise<T> {
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    // Every connection of this request goes to the address that was checked.
    const lookup: LookupFunction = (_name, opts, cb) => {
      if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [pinned]);
      else cb(null, pinned.address, pinned.family);
    };
    const options: https.RequestOptions = {
      method: req.method,
      protocol: u.protocol,
      hostname: host,
      port: u.port || undefined,
      path: `${u.pathname}${u.search}`,
      headers: { ...req.headers, ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}) },
      lookup,
      agent: false,
      signal: AbortSignal.timeout(req.timeoutMs),
      ...(u.protocol === 'https:' && !isIP(host) ? { servername: host } : {}),
    };
    return new Promise<T>((resolve, reject) => {
      const request = (u.protocol === 'https:' ? https : http).request(options, (res) => readAnswer(res, resolve, reject));
      request.on('error', reject);
      request.end(req.body);
    });
  }
}
