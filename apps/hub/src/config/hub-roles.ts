/**
 * The parts of the hub one process runs (FLEETTUNE_ROLES), so a deployment
 * scales each on its own: `api` (REST, dashboard, OpenAPI), `ingest` (the
 * agents' gRPC port) and `worker` (BullMQ jobs, the rollup worker, partition
 * maintenance and the job schedules). Every process serves /healthz, /readyz
 * and /metrics. State lives in PostgreSQL and Redis only, so any mix of
 * processes over one database and Redis behaves as one all-in-one hub.
 */
export const HUB_ROLES = ['api', 'ingest', 'worker'] as const;
export type HubRole = (typeof HUB_ROLES)[number];

/** `"api, worker"` → `['api', 'worker']`; unknown or empty lists are errors (a typo must not start a hub doing nothing). */
export function parseHubRoles(value: string): { roles: HubRole[] } | { error: string } {
  const names = value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 0) return { error: `must name at least one of ${HUB_ROLES.join(', ')}` };
  const unknown = names.filter((n) => !(HUB_ROLES as readonly string[]).includes(n));
  if (unknown.length) return { error: `unknown role ${unknown.join(', ')} (roles: ${HUB_ROLES.join(', ')})` };
  return { roles: HUB_ROLES.filter((r) => names.includes(r)) };
}

export function hasRole(config: { FLEETTUNE_ROLES: readonly HubRole[] }, role: HubRole): boolean {
  return config.FLEETTUNE_ROLES.includes(role);
}
