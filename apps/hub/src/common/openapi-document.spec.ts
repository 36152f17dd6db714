import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { decisionResultSchema, exclusionSetViewSchema, hostViewSchema } from '@fleettune/api-contract';
import { useTestHub } from '../testing/hub-fixture';

/**
 * Issue 16: the OpenAPI document declares what every operation answers, derived from the same zod
 * schemas (`@fleettune/api-contract`) the dashboard's types come from, and real answers match them.
 */
const ADMIN = 'openapi-document-admin-token-0123456789';
const fx = useTestHub('openapi_document', { FLEETTUNE_ADMIN_TOKEN: ADMIN });

type Schema = { type?: string; properties?: Record<string, unknown>; items?: Schema; format?: string };
type Operation = { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> };

test('every 2xx answer of every operation in the served OpenAPI document has a schema with properties', async () => {
  const res = await fx.api('/api/docs/openapi.json');
  assert.equal(res.status, 200);
  const doc = (await res.json()) as { paths: Record<string, Record<string, Operation>> };
  const problems: string[] = [];
  let checked = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const ok = Object.entries(op.responses ?? {}).filter(([code]) => /^2\d\d$/.test(code));
      if (ok.length === 0) problems.push(`${method} ${path}: no 2xx response`);
      for (const [code, response] of ok) {
        if (code === '204') continue; // no content by definition
        checked++;
        const content = Object.entries(response.content ?? {});
        if (content.length === 0) problems.push(`${method} ${path} ${code}: no content`);
        for (const [type, { schema }] of content) {
          if (type !== 'application/json') {
            // Files (exports): a string body in a declared format.
            if (schema?.type !== 'string') problems.push(`${method} ${path} ${code} ${type}: no string schema`);
            continue;
          }
          const shape = schema?.type === 'array' ? schema.items : schema;
          if (!shape?.properties || Object.keys(shape.properties).length === 0) problems.push(`${method} ${path} ${code}: schema without properties`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked >= 45, `only ${checked} answers checked`);
  // One 200 per operation carries both the schema and the words: rekey once stacked two @ApiOkResponse.
  const rekey = doc.paths['/api/v1/hosts/{id}/rekey'].post.responses!['200'] as { description?: string; content?: Record<string, { schema?: Schema }> };
  assert.match(rekey.description ?? '', /one-time rekeyToken/);
  assert.ok(rekey.content?.['application/json']?.schema?.properties?.rekeyToken, 'the rekey answer declares rekeyToken');
});

test('real answers validate against the contract schemas the document is derived from', async () => {
  const host = await fx.prisma.host.create({ data: { hostname: 'contract-host', os: 'linux', tags: ['prod'] } });
  const hosts = await fx.api('/api/v1/hosts');
  assert.equal(hosts.status, 200);
  const parsedHosts = z.array(hostViewSchema).parse(await hosts.json());
  assert.equal(parsedHosts[0].id, host.id);
  assert.ok(parsedHosts[0].createdAt instanceof Date, 'the wire timestamp decodes to a Date');

  const evidence = {
    hosts: 3,
    hostsReporting: 4,
    prevalence: 0.75,
    totalCount: 12_000,
    peakWindowCount: 900,
    peakRatePerSecond: 3.2,
    firstSeenMs: Date.parse('2026-01-01T00:00:00Z'),
    lastSeenMs: Date.parse('2026-01-01T06:00:00Z'),
    sampleHostIds: [host.id],
  };
  const set = await fx.prisma.exclusionSet.create({
    data: {
      params: { minHosts: 3 },
      items: {
        create: [{ type: 'process', value: '/usr/bin/backupd', user: 'root', reason: 'noisy on 3 of 4 hosts', risk: { level: 'low', flags: [] }, evidence }],
      },
    },
    include: { items: true },
  });
  const decided = await fx.api(`/api/v1/exclusion-items/${set.items[0].id}/decision`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ decision: 'approved', comment: 'known backup agent' }),
  });
  assert.equal(decided.status, 200);
  decisionResultSchema.parse(await decided.json());

  const res = await fx.api(`/api/v1/exclusion-sets/${set.id}`);
  assert.equal(res.status, 200);
  const view = exclusionSetViewSchema.parse(await res.json());
  assert.equal(view.items.length, 1);
  assert.equal(view.items[0].decision.status, 'approved');
  assert.ok(view.items[0].decision.decidedAt instanceof Date);
});
