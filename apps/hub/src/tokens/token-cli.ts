import { HubCliConfig, loadHubCliConfig } from '../config/hub-config';
import { Command, InvalidArgumentError } from 'commander';
import { newStandalonePrisma } from '../database/standalone-prisma';
import { isRole } from '../auth/roles';
import { TokenDigester } from '../auth/token-digest';
import { redactDetails } from '../audit-log/audit-log.service';
import { AuditLogRepository } from '../audit-log/audit-log.repository';
import { CredentialRepository } from './credential.repository';
import { CredentialStore } from './tokens.service';

type Out = { out: (s: string) => void; err: (s: string) => void };

/** `cli.js token create|list|revoke` and `cli.js enroll-secret create|list|revoke`; each write is audit-logged as actor "cli". */
export function buildCli(
  io: Out = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) },
  env: HubCliConfig = loadHubCliConfig(),
): Command {
  const program = new Command('fleettune-hub-cli').description('fleettune hub administration (uses DATABASE_URL)');
  program.exitOverride();
  program.configureOutput({ writeOut: io.out, writeErr: io.err });

  async function withStore<T>(fn: (store: CredentialStore, auditLog: AuditLogRepository) => Promise<T>): Promise<T> {
    const prisma = newStandalonePrisma(env.DATABASE_URL);
    try {
      // The hub's pepper when the CLI has it (same environment as the hub); else legacy digests, upgraded on first use.
      const digester = env.FLEETTUNE_TOKEN_PEPPER || env.FLEETTUNE_SECRETS_KEY ? TokenDigester.fromConfig(env) : undefined;
      return await fn(new CredentialStore(new CredentialRepository(prisma), digester), new AuditLogRepository(prisma));
    } finally {
      await prisma.$disconnect();
    }
  }
  const audit = (auditLog: AuditLogRepository, action: string, targetId: string, details: Record<string, unknown>) =>
    auditLog.insert({ actor: 'cli', action, targetType: action.split('.')[0], targetId, details: redactDetails(details) });

  const token = program.command('token').description('API tokens');
  token
    .command('create')
    .requiredOption('--name <name>', 'a name shown in the audit log')
    .option(
      '--role <role>',
      'viewer | approver | admin',
      (v) => {
        if (!isRole(v)) throw new InvalidArgumentError('must be viewer, approver or admin');
        return v;
      },
      'viewer',
    )
    .option('--json', 'print JSON')
    .action(async (o: { name: string; role: 'viewer' | 'approver' | 'admin'; json?: boolean }) => {
      const name = o.name.trim();
      if (!name || name.length > 100 || /[\p{Cc}\p{Cf}]/u.test(name)) throw new Error('--name: 1-100 printable characters');
      const created = await withStore(async (store, auditLog) => {
        const t = await store.createToken(name, o.role);
        await audit(auditLog, 'token.create', t.id, { name, role: o.role });
        return t;
      });
      io.out(
        o.json ? `${JSON.stringify(created)}\n` : `created token ${created.id} (${created.name}, ${created.role}); it is shown only now:\n${created.token}\n`,
      );
    });
  token
    .command('list')
    .option('--all', 'include revoked tokens')
    .action(async (o: { all?: boolean }) => {
      const { rows } = await withStore((store) => store.listTokens(0, 10_000, !!o.all));
      for (const t of rows) io.out(`${t.id}\t${t.role}\t${t.active ? 'active' : 'revoked'}\t${t.createdAt.toISOString()}\t${JSON.stringify(t.name)}\n`);
    });
  token.command('revoke <id>').action(async (id: string) => {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error('id: a token id (uuid) from `token list`');
    const t = await withStore(async (store, auditLog) => {
      const r = await store.revokeToken(id);
      await audit(auditLog, 'token.revoke', id, { name: r.name });
      return r;
    });
    io.out(`revoked token ${t.id} (${t.name})\n`);
  });

  const secret = program.command('enroll-secret').description('agent enrollment secrets');
  secret
    .command('create')
    .requiredOption('--name <name>')
    .option('--expires <date>', 'ISO date-time after which it no longer enrolls agents')
    .option('--max-uses <n>', 'how many agents may enroll with it', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
      return n;
    })
    .action(async (o: { name: string; expires?: string; maxUses?: number }) => {
      const expires = o.expires ? new Date(o.expires) : undefined;
      if (expires && Number.isNaN(expires.getTime())) throw new Error('--expires: not a date');
      const s = await withStore(async (store, auditLog) => {
        const r = await store.createEnrollmentSecret(o.name, expires, o.maxUses);
        await audit(auditLog, 'enrollment-secret.create', r.id, { name: o.name, expiresAt: expires?.toISOString(), maxUses: o.maxUses });
        return r;
      });
      io.out(`created enrollment secret ${s.id}; it is shown only now:\n${s.secret}\n`);
    });
  secret.command('revoke <id>').action(async (id: string) => {
    const s = await withStore(async (store, auditLog) => {
      const r = await store.revokeEnrollmentSecret(id);
      await audit(auditLog, 'enrollment-secret.revoke', id, { name: r.name });
      return r;
    });
    io.out(`revoked enrollment secret ${s.id} (${s.name})\n`);
  });
  return program;
}
