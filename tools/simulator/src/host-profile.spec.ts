import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { OUTLIER_EXEC, buildBatch, makeHostProfiles } from './host-profile';
import { HostTemplate, loadTemplates } from './templates';

let templates: HostTemplate[];

before(async () => {
  templates = await loadTemplates({ windowMs: 60_000 });
});

test('templates come from the recorded logs, each with its local user and real rows', () => {
  assert.ok(templates.length >= 2);
  for (const t of templates) {
    assert.match(t.localUser, /^[a-z]+$/);
    assert.ok(t.rowsPerWindow > 10, `${t.file}: ${t.rowsPerWindow} rows`);
  }
});

test('each host gets its own identity and user; the recording user never leaks', () => {
  const hosts = makeHostProfiles(40, templates, { runId: 't1', seed: 3, outlierFraction: 0.05, appDropChance: 0.15 });
  assert.equal(new Set(hosts.map((h) => h.hostname)).size, 40);
  assert.equal(new Set(hosts.map((h) => h.machineId)).size, 40);
  assert.equal(new Set(hosts.map((h) => h.user)).size, 40);
  assert.equal(hosts.filter((h) => h.outlier).length, 2);
  for (const h of hosts.slice(0, 6)) {
    const b = buildBatch(h, 'host-id', 1, Date.UTC(2026, 0, 1), { windowMs: 60_000, maxRows: 0 });
    const text = JSON.stringify(b);
    for (const t of templates) if (t.localUser !== h.user) assert.ok(!text.includes(`/home/${t.localUser}/`), `${h.hostname} leaks ${t.localUser}`);
    assert.ok(
      b.files.some((f) => f.path.startsWith(`/home/${h.user}/`)),
      'per-host user paths',
    );
    assert.ok(b.execs.every((e) => e.count > 0) && b.files.every((f) => f.count > 0));
  }
});

test('batches are deterministic per (host, sequence), vary between windows, and honour the row cap', () => {
  const [h] = makeHostProfiles(1, templates, { runId: 't2', seed: 5, outlierFraction: 0, appDropChance: 0 });
  const a = buildBatch(h, 'x', 7, 0 + 60_000, { windowMs: 60_000, maxRows: 0 });
  const b = buildBatch(h, 'x', 7, 0 + 60_000, { windowMs: 60_000, maxRows: 0 });
  assert.deepEqual(a, b);
  const c = buildBatch(h, 'x', 8, 120_000, { windowMs: 60_000, maxRows: 0 });
  assert.notDeepEqual(
    a.files.map((f) => f.count),
    c.files.map((f) => f.count),
  );
  const capped = buildBatch(h, 'x', 9, 180_000, { windowMs: 60_000, maxRows: 50 });
  assert.ok(capped.execs.length + capped.files.length <= 50);
  assert.equal(capped.windowEndMs - capped.windowStartMs, 60_000);
});

test('outliers carry the noisy daemon', () => {
  const hosts = makeHostProfiles(10, templates, { runId: 't3', seed: 1, outlierFraction: 0.1, appDropChance: 0 });
  const o = hosts.find((h) => h.outlier)!;
  const b = buildBatch(o, 'x', 1, 0, { windowMs: 60_000, maxRows: 100 });
  assert.ok(b.execs.some((e) => e.path === OUTLIER_EXEC && e.count > 100));
});
