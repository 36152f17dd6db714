/**
 * Which hosts count as independent witnesses for the fleet bar (minHosts).
 *
 * Anyone holding the enrollment secret can enroll as many hosts as they like;
 * if each counted, one attacker could mint a "fleet" and make fleet policy.
 * So hosts that enrolled in one burst from one secret, or from one peer
 * address, count once. The hub records both at Enroll (hosts table).
 *
 * A burst is anchored, not chained: a burst starts at the first enrollment of
 * a secret and takes every enrollment within `enrollBurstSeconds` of that
 * start; the next one after it starts a new burst. Chaining (any gap under
 * the interval) would fold a legitimate rollout of thousands of hosts from one
 * secret into a single witness, and no recommendation would ever pass.
 */
export interface HostEnrollment {
  hostId: string;
  enrollmentSecretId?: string | null;
  enrolledAtMs?: number | null;
  peerAddress?: string | null;
}

export interface HostIndependenceOptions {
  /** Hosts enrolled from one secret within this many seconds of the burst's first count once; 0 = off. */
  enrollBurstSeconds: number;
  /** Hosts that enrolled from one peer address count once. */
  countSharedPeerOnce: boolean;
}

/**
 * hostId -> independence key; hosts with the same key are one witness. Hosts
 * without provenance (enrolled before it was recorded) are their own key.
 */
export function hostIndependenceKeys(hosts: readonly HostEnrollment[], options: HostIndependenceOptions): Map<string, string> {
  const parent = hosts.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };

  if (options.countSharedPeerOnce) {
    const firstOfPeer = new Map<string, number>();
    hosts.forEach((h, i) => {
      if (!h.peerAddress) return;
      const first = firstOfPeer.get(h.peerAddress);
      if (first === undefined) firstOfPeer.set(h.peerAddress, i);
      else union(first, i);
    });
  }

  const burstMs = Math.max(0, options.enrollBurstSeconds) * 1000;
  if (burstMs > 0) {
    const bySecret = new Map<string, number[]>();
    hosts.forEach((h, i) => {
      if (!h.enrollmentSecretId || typeof h.enrolledAtMs !== 'number' || !Number.isFinite(h.enrolledAtMs)) return;
      const list = bySecret.get(h.enrollmentSecretId);
      if (list) list.push(i);
      else bySecret.set(h.enrollmentSecretId, [i]);
    });
    for (const list of bySecret.values()) {
      list.sort((a, b) => hosts[a].enrolledAtMs! - hosts[b].enrolledAtMs! || a - b);
      let start = list[0];
      for (const i of list.slice(1)) {
        if (hosts[i].enrolledAtMs! - hosts[start].enrolledAtMs! < burstMs) union(start, i);
        else start = i;
      }
    }
  }

  const keys = new Map<string, string>();
  hosts.forEach((h, i) => keys.set(h.hostId, hosts[find(i)].hostId));
  return keys;
}
