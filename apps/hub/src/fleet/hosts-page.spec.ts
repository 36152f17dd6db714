import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrismaService } from '../database/prisma.service';
import { useTestHub } from '../testing/hub-fixture';
import { HOSTS_DEFAULT_PAGE } from './noise-query.dto';

/** The review: GET /hosts without a limit returned every host. */
const ADMIN = 'hosts-page-admin-token-0123456789';

const fx = useTestHub('hosts_page', { FLEETTUNE_ADMIN_TOKEN: ADMIN }, async () => {
  await fx.hub.app.get(PrismaService).host.createMany({
    data: Array.from({ length: HOSTS_DEFAULT_PAGE + 7 }, (_, i) => ({ hostname: `h-${String(i).padStart(4, '0')}`, os: 'linux' })),
  });
});

test('GET /hosts without a limit answers one page; X-Total-Count and offset reach the rest', async () => {
  const get = (q: string) => fx.api(`/api/v1/hosts${q}`);
  const first = await get('');
  const page = (await first.json()) as Array<{ hostname: string }>;
  assert.equal(page.length, HOSTS_DEFAULT_PAGE);
  assert.equal(first.headers.get('x-total-count'), String(HOSTS_DEFAULT_PAGE + 7));
  const rest = (await (await get(`?offset=${HOSTS_DEFAULT_PAGE}`)).json()) as Array<{ hostname: string }>;
  assert.equal(rest.length, 7);
  assert.equal(rest[6].hostname, `h-${String(HOSTS_DEFAULT_PAGE + 6).padStart(4, '0')}`);
  assert.equal(((await (await get('?limit=10000')).json()) as unknown[]).length, HOSTS_DEFAULT_PAGE + 7, 'an explicit limit still reaches 10,000');
});
