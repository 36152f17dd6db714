import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { replayOnceArgs } from './agent-replay';
import { HubApi } from './hub-api';
import { ONE_MACHINE_FLEET_ENV } from './hub-env';
import { REPO, runAgent, startHubProcess } from './hub-process';
import { renderTable } from './text-table';

/**
 * `npm run demo`: a hub on this machine, three simulated hosts replaying
 * real audit logs recorded with auditd (tools/demo/logs), the exclusion job,
 * and the fleet-wide result. The hub stays up unless --once is given.
 */
/**
 * The demo database outlives a run, so its secrets key must too: generated
 * once into .fleettune/demo-secrets.key (0600) and reused.
 */
function demoSecretsKey(): string {
  const file = path.join(REPO, '.fleettune', 'demo-secrets.key');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32).toString('base64');
  fs.writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

async function main(): Promise<void> {
  const once = process.argv.includes('--once');
  const env = {
    DATABASE_URL: process.env.DEMO_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/fleettune_demo',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    HTTP_PORT: process.env.HTTP_PORT ?? '8080',
    GRPC_PORT: process.env.GRPC_PORT ?? '50051',
    BIND_HOST: '127.0.0.1',
    FLEETTUNE_ADMIN_TOKEN: process.env.FLEETTUNE_ADMIN_TOKEN ?? `demo-admin-${randomBytes(12).toString('hex')}`,
    FLEETTUNE_ENROLL_SECRET: process.env.FLEETTUNE_ENROLL_SECRET ?? `demo-enroll-${randomBytes(12).toString('hex')}`,
    FLEETTUNE_SECRETS_KEY: process.env.FLEETTUNE_SECRETS_KEY ?? demoSecretsKey(),
    FLEETTUNE_QUEUE_PREFIX: 'fleettune-demo',
    FLEETTUNE_RECOMPUTE_INTERVAL_SECONDS: '900',
    ...ONE_MACHINE_FLEET_ENV,
    LOG_LEVEL: 'warn',
  };
  const step = (s: string) => process.stdout.write(`\n==> ${s}\n`);

  step(`starting the hub (HTTP ${env.HTTP_PORT}, gRPC ${env.GRPC_PORT}, database ${env.DATABASE_URL})`);
  const hubLog = fs.createWriteStream(path.join(REPO, '.fleettune', 'demo-hub.log'));
  const hub = await startHubProcess(env, { logTo: hubLog });
  const api = new HubApi(hub.httpUrl, env.FLEETTUNE_ADMIN_TOKEN);
  try {
    const logsDir = path.join(REPO, 'tools', 'demo', 'logs');
    const logs = fs
      .readdirSync(logsDir)
      .filter((f) => f.endsWith('.audit.log'))
      .sort();
    step(`replaying ${logs.length} real audit logs as ${logs.length} hosts`);
    for (const file of logs) {
      const hostname = file.replace('.audit.log', '');
      const started = Date.now();
      const res = await runAgent(
        replayOnceArgs({ hub: hub.grpcAddress, input: path.join(logsDir, file), hostname, stateDir: path.join(REPO, '.fleettune', 'demo-agents', hostname) }),
        { FLEETTUNE_ENROLL_SECRET: env.FLEETTUNE_ENROLL_SECRET },
      ); // never on argv: ps shows argv to every local user
      if (res.code !== 0) throw new Error(`agent for ${hostname} failed:\n${res.stderr}`);
      process.stdout.write(`    ${hostname.padEnd(10)} ${file}  uploaded in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }

    step('computing the fleet-wide exclusion set (BullMQ job)');
    const result = await api.recomputeExclusions();
    process.stdout.write(`    exclusion set v${result.version}: ${result.items} recommendations\n`);

    const hosts = await api.get<Array<{ hostname: string; os: string; lastSeenAt: string }>>('/api/v1/hosts');
    step(`fleet: ${hosts.length} hosts`);
    process.stdout.write(
      renderTable(
        ['host', 'os', 'last seen'],
        hosts.map((h) => [h.hostname, h.os, h.lastSeenAt]),
      ) + '\n',
    );

    for (const [kind, title, column] of [
      ['execs', 'top executed programs', 'program'],
      ['files', 'top file paths', 'path'],
    ]) {
      const rows = await api.get<Array<{ path: string; count: number; hosts: number }>>(`/api/v1/noise/${kind}?top=8`);
      step(`${title}, fleet-wide`);
      process.stdout.write(
        renderTable(
          ['count', 'hosts', column],
          rows.map((r) => [r.count, r.hosts, r.path]),
        ) + '\n',
      );
    }

    const set = await api.get<{
      id: string;
      version: number;
      items: Array<{ type: string; value: string; user: string; applyToChildren: boolean; reason: string; evidence: { hosts?: number; totalCount?: number } }>;
    }>('/api/v1/exclusion-sets/latest');
    step(`recommended exclusions (set v${set.version}; no per-host usernames)`);
    process.stdout.write(
      renderTable(
        ['type', 'value', 'user', 'children', 'hosts', 'events', 'why'],
        set.items.map((i) => [
          i.type,
          i.value,
          i.user || '(any)',
          i.applyToChildren ? 'yes' : 'no',
          i.evidence.hosts ?? 0,
          i.evidence.totalCount ?? 0,
          i.reason,
        ]),
      ) + '\n',
    );
    step('exports (approved items only; nothing is approved yet, so this one adds include=all and is marked UNREVIEWED)');
    process.stdout.write(
      `    curl -H 'authorization: Bearer ${env.FLEETTUNE_ADMIN_TOKEN}' '${hub.httpUrl}/api/v1/exclusion-sets/${set.id}/export?format=mdatp-json&include=all'\n`,
    );
    const mdatp = await api.raw('GET', `/api/v1/exclusion-sets/${set.id}/export?format=mdatp-json&include=all`);
    process.stdout.write((await mdatp.text()).split('\n').slice(0, 30).join('\n') + '\n');

    if (once) {
      step('done (--once): stopping the hub');
      return;
    }
    step(`the hub keeps running: ${hub.httpUrl}  (API docs: ${hub.httpUrl}/api/docs)`);
    process.stdout.write(`    admin token: ${env.FLEETTUNE_ADMIN_TOKEN}\n    hub log: .fleettune/demo-hub.log\n    Ctrl-C stops it.\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
      hub.child.once('exit', () => resolve());
    });
  } finally {
    await hub.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
