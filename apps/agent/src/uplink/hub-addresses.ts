import * as dns from 'node:dns';
import { isIP } from 'node:net';
import { ChannelOptions, Metadata, experimental, status } from '@grpc/grpc-js';

/**
 * `--hub` with several hub replicas (issue 17): `a:50051,b:50051`, or one DNS
 * name with several address records. The agent holds one connection, to one
 * replica picked at random (the resolver shuffles the list, so a fleet
 * spreads over the replicas), and moves to another when that connection
 * closes: the replica died, or it drains on SIGTERM and sends GOAWAY. Every
 * loss of the connection re-resolves and reshuffles the list. Unacked batches
 * stay in the spool and are resent on the next stream; the hub stores a
 * (host, sequence) once, so a resend is never counted twice.
 *
 * Every target but a single IP literal goes through HubListResolver, which
 * shuffles the endpoints itself: grpc-js 1.14.7's pick_first shuffle
 * (`shuffled()` in load-balancer-pick-first.js loops `i > 1`) never swaps a
 * two-element list, so two replicas, or a name with two records, sent every
 * agent to the first one. grpc-js's `ipv4:` scheme takes IP literals only,
 * and its DNS resolver hands records over in getaddrinfo's (sorted) order.
 */
const HUB_LIST_SCHEME = 'fleettune-hubs';

const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** The entries of `--hub`, each `host:port` (IPv6 in brackets); throws with the offending entry. */
export function parseHubAddresses(value: string): string[] {
  const entries = value.split(',').map((e) => e.trim());
  if (entries.length > 64) throw new Error(`${entries.length} hub addresses; at most 64`);
  for (const e of entries) {
    const m = HOST_PORT.exec(e);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) throw new Error(`hub address ${JSON.stringify(e)} must be host:port`);
  }
  if (new Set(entries).size !== entries.length) throw new Error('a hub address is listed twice');
  return entries;
}

/** The gRPC target for `--hub`: one IP literal as it is; a DNS name or several addresses under HUB_LIST_SCHEME (spread). */
export function hubChannelTarget(hub: string): string {
  const entries = parseHubAddresses(hub);
  return entries.length === 1 && isIP(splitEntry(entries[0]).host) ? entries[0] : `${HUB_LIST_SCHEME}:${entries.join(',')}`;
}

/**
 * Channel options for failover: pick_first over the shuffled addresses (one
 * connection per agent, not one per replica as round_robin would hold) and no
 * service config from DNS TXT records, which an attacker on the DNS path could
 * otherwise use to steer the channel.
 */
export const FAILOVER_CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ pick_first: { shuffleAddressList: true } }] }),
  'grpc.service_config_disable_resolution': 1,
};

/** Re-resolution is asked for on every lost connection; DNS is asked at most this often. */
const MIN_RESOLVE_INTERVAL_MS = 1_000;

interface HostPort {
  host: string;
  port: number;
}

/** Fisher–Yates: each order equally likely, so a fleet spreads evenly over the replicas. */
function shuffled<T>(list: T[]): T[] {
  const out = list.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function splitEntry(entry: string): HostPort {
  const i = entry.lastIndexOf(':');
  return { host: entry.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(entry.slice(i + 1)) };
}

/**
 * Resolves each listed address (IP literal or DNS name, every record of a
 * name) into one endpoint per replica. A name that does not resolve leaves the
 * others; none resolving is UNAVAILABLE, which grpc-js retries with backoff.
 */
class HubListResolver implements experimental.Resolver {
  private readonly entries: HostPort[];
  private resolving = false;
  private destroyed = false;
  private lastResolvedAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    target: experimental.GrpcUri,
    private readonly listener: experimental.ResolverListener,
  ) {
    this.entries = target.path.split(',').map(splitEntry);
  }

  updateResolution(): void {
    this.destroyed = false;
    if (this.resolving || this.timer) return;
    const wait = this.lastResolvedAt + MIN_RESOLVE_INTERVAL_MS - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.updateResolution();
      }, wait);
      this.timer.unref();
      return;
    }
    this.resolving = true;
    void this.resolve().then((result) => {
      this.resolving = false;
      this.lastResolvedAt = Date.now();
      if (!this.destroyed) this.listener(result, {}, null, '');
    });
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async resolve(): Promise<experimental.StatusOr<experimental.Endpoint[]>> {
    const failures: string[] = [];
    const lists = await Promise.all(
      this.entries.map(async ({ host, port }): Promise<experimental.Endpoint[]> => {
        if (isIP(host)) return [{ addresses: [{ host, port }] }];
        try {
          const records = await dns.promises.lookup(host, { all: true });
          return records.map((r) => ({ addresses: [{ host: r.address, port }] }));
        } catch (err) {
          failures.push(`${host}: ${(err as Error).message}`);
          return [];
        }
      }),
    );
    const endpoints = shuffled(lists.flat());
    if (endpoints.length > 0) return experimental.statusOrFromValue(endpoints);
    return experimental.statusOrFromError({ code: status.UNAVAILABLE, details: `no hub address resolved (${failures.join('; ')})`, metadata: new Metadata() });
  }

  /**
   * TLS checks every replica's certificate against this one name (grpc-js has
   * one authority per channel): the first address's host. docs/scaling.md
   * says so: each replica's certificate carries that name too.
   */
  static getDefaultAuthority(target: experimental.GrpcUri): string {
    return target.path.split(',')[0];
  }
}

experimental.registerResolver(HUB_LIST_SCHEME, HubListResolver);

/** Two `--hub` values name the same hub when they share an address (a replica added or removed keeps the enrollment). */
export function sameHub(a: string, b: string): boolean {
  const ours = new Set(a.split(',').map((e) => e.trim()));
  return b.split(',').some((e) => ours.has(e.trim()));
}
