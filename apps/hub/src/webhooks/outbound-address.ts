import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Which addresses the hub's outbound calls (webhooks, Slack) may reach.
 * Everything that is not the public internet is refused (IANA special-purpose
 * registries: loopback, RFC 1918, CGNAT, link-local with the cloud metadata
 * address 169.254.169.254, ULA, multicast, documentation, and IPv6 forms that
 * embed an IPv4 address), unless the operator allow-listed it
 * (FLEETTUNE_OUTBOUND_ALLOW_CIDRS). The checked address is the one connected
 * to (see SignedWebhookSender), so a DNS answer that changes between the check
 * and the connection (rebinding) cannot move the call elsewhere.
 */
const NOT_PUBLIC_V4: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'this network'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'shared address space (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const NOT_PUBLIC_V6: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'IPv4-compatible'],
  ['::ffff:0:0', 96, 'IPv4-mapped'],
  ['64:ff9b::', 96, 'NAT64 (embeds IPv4)'],
  ['64:ff9b:1::', 48, 'NAT64 (embeds IPv4)'],
  ['100::', 64, 'discard'],
  ['2001::', 23, 'IETF protocol assignments (Teredo)'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4 (embeds IPv4)'],
  ['fc00::', 7, 'unique local (ULA)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

export class OutboundRefusedError extends Error {}

export interface OutboundAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses (node's `dns.lookup` by default). */
export type Resolver = (hostname: string) => Promise<OutboundAddress[]>;

const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));

export class OutboundAddressPolicy {
  private readonly allowed = new BlockList();

  constructor(
    allowCidrs: readonly string[],
    private readonly resolver: Resolver = systemResolver,
  ) {
    for (const entry of allowCidrs) {
      const [addr, bits] = entry.split('/');
      const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.allowed.addAddress(addr, type);
      else this.allowed.addSubnet(addr, Number(bits), type);
    }
  }

  /** Why the address may not be reached, or undefined when it may. */
  refusal(address: string): string | undefined {
    const family = isIP(address);
    if (!family) return `${address} is not an IP address`;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (this.allowed.check(address, type)) return undefined;
    for (const [net, bits, what] of family === 6 ? NOT_PUBLIC_V6 : NOT_PUBLIC_V4) {
      const one = new BlockList();
      one.addSubnet(net, bits, type);
      if (one.check(address, type)) return `${address} is ${what}`;
    }
    return undefined;
  }

  /**
   * The address to connect to for `hostname`: a literal IP as is, a name
   * resolved once. Every address the name resolves to must be allowed (a name
   * with one public and one internal address is refused), so the pinned one
   * is as good as any other.
   */
  async resolve(hostname: string): Promise<OutboundAddress> {
    const host = hostname.replace(/^\[(.*)\]$/, '$1');
    const literal = isIP(host);
    const answers: OutboundAddress[] = literal ? [{ address: host, family: literal as 4 | 6 }] : await this.resolver(host);
    if (answers.length === 0) throw new OutboundRefusedError(`${host} has no address`);
    for (const a of answers) {
      const why = this.refusal(a.address);
      if (why) throw new OutboundRefusedError(`address not allowed: ${why} (allow it with FLEETTUNE_OUTBOUND_ALLOW_CIDRS)`);
    }
    return answers[0];
  }
}
