import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadHubConfig } from '../config/hub-config';
import { parseRedisUrl, queuePrefixFor, redactRedisUrl, RedisUrlError } from './redis-connection';

test('one server: host, port, db, credentials, TLS', () => {
  const t = parseRedisUrl('rediss://app:s%40cret@redis.internal:6380/3');
  assert.equal(t.kind, 'standalone');
  assert.deepEqual(
    { host: t.options.host, port: t.options.port, db: t.options.db, username: t.options.username, password: t.options.password, tls: t.options.tls },
    { host: 'redis.internal', port: 6380, db: 3, username: 'app', password: 's@cret', tls: {} },
  );
  assert.equal(t.options.maxRetriesPerRequest, null, 'BullMQ workers must never give up on a blocking command');
  const plain = parseRedisUrl('redis://127.0.0.1');
  assert.equal(plain.kind === 'standalone' && plain.options.port, 6379);
  assert.equal(queuePrefixFor(plain, 'fleettune'), 'fleettune');
});

test('Sentinel: every sentinel, the master name, db and both sets of credentials', () => {
  const t = parseRedisUrl('redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2,[::1]:26380/mymaster/2?sentinelPassword=spw&sentinelUsername=sen');
  assert.equal(t.kind, 'sentinel');
  assert.deepEqual(t.options.sentinels, [
    { host: '10.0.0.1', port: 26379 },
    { host: '10.0.0.2', port: 26379 },
    { host: '::1', port: 26380 },
  ]);
  assert.equal(t.options.name, 'mymaster');
  assert.equal(t.options.db, 2);
  assert.equal(t.options.password, 'pw');
  assert.equal(t.options.sentinelPassword, 'spw');
  assert.equal(t.options.sentinelUsername, 'sen');
  assert.equal(queuePrefixFor(t, 'fleettune'), 'fleettune');
});

test('Cluster: seed nodes and a hash-tagged queue prefix so each queue lives in one slot', () => {
  const t = parseRedisUrl('redis+cluster://user:pw@n1:7000,n2:7001,n3');
  assert.equal(t.kind, 'cluster');
  assert.deepEqual(t.kind === 'cluster' && t.nodes, [
    { host: 'n1', port: 7000 },
    { host: 'n2', port: 7001 },
    { host: 'n3', port: 6379 },
  ]);
  assert.equal(queuePrefixFor(t, 'fleettune'), '{fleettune}');
});

test('malformed URLs are refused with a reason and without the password', () => {
  const cases: Array<[string, RegExp]> = [
    ['http://x:6379', /must start with one of/],
    ['redis+sentinel://:hunter2@a:26379,b:26379', /master's name is missing/],
    ['redis://:hunter2@a:6379,b:6379', /several hosts need redis\+sentinel/],
    ['redis+cluster://a:7000/1', /only database 0/],
    ['redis://a:99999', /out of range/],
    ['redis://a:6379/db', /not a number/],
    ['redis://', /no host/],
  ];
  for (const [url, why] of cases) {
    assert.throws(
      () => parseRedisUrl(url),
      (err: Error) => err instanceof RedisUrlError && why.test(err.message) && !err.message.includes('hunter2'),
      url,
    );
  }
  assert.equal(redactRedisUrl('redis+sentinel://u:hunter2@a,b/m?sentinelPassword=x&y=1'), 'redis+sentinel://u:***@a,b/m?sentinelPassword=***&y=1');
});

test('the hub refuses to start on a REDIS_URL it cannot use, naming the setting', () => {
  assert.throws(() => loadHubConfig({ REDIS_URL: 'redis+sentinel://a:26379' }), /REDIS_URL.*master's name is missing/s);
  assert.equal(loadHubConfig({ REDIS_URL: 'redis+sentinel://a:26379/m' }).FLEETTUNE_REDIS_WAIT_REPLICAS, undefined);
  assert.equal(loadHubConfig({ FLEETTUNE_REDIS_WAIT_REPLICAS: '2' }).FLEETTUNE_REDIS_WAIT_REPLICAS, 2);
});
