import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestHub } from '../testing/test-hub';

const ADMIN = 'text-safety-admin-token-0123456789abcdef';
let base = '';
let cleanup: () => Promise<void> = async () => {};

before(async () => {
  const { db, hub } = await startTestHub('text_safety', { FLEETTUNE_ADMIN_TOKEN: ADMIN });
  base = `http://127.0.0.1:${hub.httpPort}`;
  cleanup = async () => {
    await hub.close();
    await db.drop();
  };
});
after(() => cleanup());

const get = (path: string) => fetch(base + path, { headers: { authorization: `Bearer ${ADMIN}` } });

test('a NUL or non-UTF-8 escape in the query is a 400 with the error body, not a 500 from PostgreSQL', async () => {
  for (const q of ['os=%00', 'source=a%00b', 'os=%F8%88%80%80%80', 'q=%C3']) {
    const path = q.startsWith('q=') ? `/api/v1/hosts?${q}` : `/api/v1/noise/syscalls?${q}`;
    const res = await get(path);
    assert.equal(res.status, 400, path);
    const body = (await res.json()) as { statusCode: number; error: string; message: string };
    assert.equal(body.statusCode, 400);
    assert.match(body.message, /NUL|UTF-8/);
  }
  // Ordinary percent-encoded UTF-8 still works.
  assert.equal((await get('/api/v1/hosts?q=%C3%A9t%C3%A9')).status, 200);
});

test('a NUL inside a JSON body string is refused and nothing is written', async () => {
  const post = (name: string) =>
    fetch(`${base}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, role: 'viewer' }),
    });
  const refused = await post('bad\u0000name');
  assert.equal(refused.status, 400);
  assert.match(((await refused.json()) as { message: string }).message, /body\.name contains a NUL/);
  const names = async () => ((await (await get('/api/v1/tokens')).json()) as { items: Array<{ name: string }> }).items.map((t) => t.name);
  assert.ok(!(await names()).some((n) => n.startsWith('bad')));
  assert.equal((await post('good name')).status, 201);
  assert.ok((await names()).includes('good name'));
});
