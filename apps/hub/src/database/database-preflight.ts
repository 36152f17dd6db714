import { newPgClient } from './pg-client';

const START_POSTGRES = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

/**
 * Why the hub cannot use the database at `databaseUrl` (unreachable, missing,
 * not migrated), as one sentence naming the fix; null when it can. `shownUrl`
 * is the URL as messages may show it (password redacted).
 */
export async function databaseProblem(databaseUrl: string, shownUrl: string): Promise<string | null> {
  const pg = newPgClient({ connectionString: databaseUrl, connectionTimeoutMillis: 3_000 });
  try {
    await pg.connect();
    const { rows } = await pg.query<{ ok: boolean }>(
      `SELECT to_regclass('public._prisma_migrations') IS NOT NULL AND to_regclass('public.hosts') IS NOT NULL AS ok`,
    );
    return rows[0]?.ok ? null : `database ${shownUrl} is not migrated; run: npm run db:migrate`;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return /does not exist/.test(msg)
      ? `database ${shownUrl} does not exist; run: npm run db:migrate (it creates it)`
      : `PostgreSQL at ${shownUrl} is unreachable (${msg}); start it with: ${START_POSTGRES}`;
  } finally {
    await pg.end().catch(() => undefined);
  }
}
