import { HubConfigError, loadHubConfig } from './config/hub-config';
import { hasRole } from './config/hub-roles';
import { startHub } from './hub-app';
import { preflight } from './preflight';

async function main(): Promise<void> {
  const config = loadHubConfig();
  const problems = await preflight(config);
  if (problems.length) {
    for (const p of problems) process.stderr.write(`fleettune-hub: ${p}\n`);
    process.exit(2);
  }
  const hub = await startHub(config);
  // One line with the bound ports (tools/demo/src/hub-process.ts waits for it); `gRPC off` without the ingest role.
  const grpc = hasRole(config, 'ingest') ? `${config.BIND_HOST}:${hub.grpcPort}` : 'off';
  process.stdout.write(
    `fleettune hub ready: http://${config.BIND_HOST}:${hub.httpPort} (API docs /api/docs), gRPC ${grpc} (roles ${config.FLEETTUNE_ROLES.join(',')})\n`,
  );
}

main().catch((err: unknown) => {
  if (err instanceof HubConfigError) {
    process.stderr.write(`fleettune-hub: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`fleettune-hub: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
