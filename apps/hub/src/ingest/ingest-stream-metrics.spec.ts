import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientDuplexStream, Metadata, status } from '@grpc/grpc-js';
import { BatchAck, CountBatch } from '@fleettune/proto';
import { useTestHub } from '../testing/hub-fixture';

const ENROLL = 'stream-metrics-enroll-secret-0000';

const fx = useTestHub('stream_metrics_spec', {
  FLEETTUNE_ENROLL_SECRET: ENROLL,
  // The spec holds three streams of one agent open; the per-agent default (2) would refuse the third.
  FLEETTUNE_AGENT_MAX_STREAMS: '3',
});

async function metric(series: string): Promise<number> {
  const body = await fetch(`${fx.base}/metrics`).then((r) => r.text());
  const line = body.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('the active-streams gauge follows open UploadBatches streams and the closed counter their result', async () => {
  const { agentToken, hostId } = await new Promise<{ agentToken: string; hostId: string }>((resolve, reject) =>
    fx.client.enroll({ enrollSecret: ENROLL, hostname: 'sm-1', os: 'linux', agentVersion: 'test', machineId: 'm-sm-1' }, (e, r) =>
      e ? reject(e) : resolve(r!),
    ),
  );
  const md = new Metadata();
  md.set('authorization', `Bearer ${agentToken}`);
  const active = () => metric('fleettune_grpc_upload_streams_active');
  assert.equal(await active(), 0);

  const streams: ClientDuplexStream<CountBatch, BatchAck>[] = [];
  for (let i = 0; i < 3; i++) {
    const s = fx.client.uploadBatches(md);
    s.on('error', () => undefined);
    streams.push(s);
  }
  // One batch on the first stream proves the handler ran; the others are open and idle.
  const start = Date.UTC(2026, 10, 24, 10, 0);
  const acked = new Promise<void>((r) => streams[0]!.once('data', () => r()));
  streams[0]!.write(CountBatch.fromPartial({ hostId, sequence: 1, windowStartMs: start, windowEndMs: start + 60_000, source: 'linux-audit', events: 1 }));
  await acked;
  await until(async () => (await active()) === 3, 'three open streams');

  const ended = new Promise<void>((r) => streams[0]!.on('end', () => r()));
  streams[0]!.end();
  streams[0]!.resume();
  await ended;
  streams[1]!.cancel();
  await until(async () => (await active()) === 1, 'one stream left');
  assert.equal(await metric('fleettune_grpc_upload_streams_total{result="ok"}'), 1);
  assert.equal(await metric('fleettune_grpc_upload_streams_total{result="cancelled"}'), 1);

  streams[2]!.cancel();
  await until(async () => (await active()) === 0, 'no stream left');

  // A stream the hub fails (batch for another host) closes as an error although the agent never ended it.
  const bad = fx.client.uploadBatches(md);
  const failed = new Promise<number>((r) => bad.on('error', (e: { code: number }) => r(e.code)));
  bad.write(
    CountBatch.fromPartial({
      hostId: '00000000-0000-4000-8000-000000000000',
      sequence: 1,
      windowStartMs: start,
      windowEndMs: start + 60_000,
      source: 'linux-audit',
    }),
  );
  assert.equal(await failed, status.PERMISSION_DENIED);
  await until(async () => (await metric('fleettune_grpc_upload_streams_total{result="error"}')) === 1, 'the error counted');
  await until(async () => (await active()) === 0, 'the failed stream closed');
});
