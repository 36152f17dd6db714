/**
 * The environment of a hub over a throw-away database (tests, benchmarks, chaos runs): loopback only,
 * any free ports (the ready line says which), a queue prefix of its own because Redis is shared with
 * other runs on this machine, no periodic recompute (callers trigger the job when they want it) and
 * warnings only. `overrides` adds to or replaces any of these.
 */
export function throwAwayHubEnv(databaseUrl: string, queueName: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    HTTP_PORT: '0',
    GRPC_PORT: '0',
    BIND_HOST: '127.0.0.1',
    FLEETTUNE_QUEUE_PREFIX: `${queueName}-${process.pid}`,
    FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}

/**
 * Every simulated host's agent runs on this one machine, enrolled within seconds: count each host on
 * its own (real fleets keep burst and shared-address grouping on, the default).
 */
export const ONE_MACHINE_FLEET_ENV: Readonly<Record<string, string>> = {
  FLEETTUNE_ENROLL_BURST_SECONDS: '0',
  FLEETTUNE_COUNT_SHARED_PEER_ONCE: 'false',
};

/** A simulated fleet enrolls from one address, more hosts than the bootstrap secret's default use limit. */
export const SIMULATED_FLEET_ENROLL_ENV: Readonly<Record<string, string>> = {
  FLEETTUNE_ENROLL_PER_ADDRESS_PER_MINUTE: '1000000',
  FLEETTUNE_ENROLL_PER_MINUTE: '1000000',
  FLEETTUNE_ENROLL_SECRET_MAX_USES: '0',
};
