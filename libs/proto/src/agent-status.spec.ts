import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { AgentStatus, CountBatch } from './index';

/**
 * CountBatch.agent_status (field 21, issues 7/8) must not break either side
 * of a mixed fleet: an old agent's batch (no status) decodes on a new hub
 * with the status absent, and a new agent's batch is the old encoding plus
 * one field an old hub skips as unknown.
 */
const oldStyle: CountBatch = {
  hostId: '6f1c1e0e-7d1b-4e40-9d6b-0a3a0c5f7d11',
  sequence: 42,
  windowStartMs: 1_764_000_000_000,
  windowEndMs: 1_764_000_060_000,
  source: 'linux-audit',
  events: 10,
  skipped: 1,
  dropped: 3,
  execs: [{ path: '/usr/bin/id', parentPath: '/bin/sh', user: 'root', count: 7 }],
  files: [],
  auditKeys: [{ name: 'exec', count: 10 }],
  initiators: [],
  syscalls: [],
  hostCost: [],
};

const status: AgentStatus = {
  spoolPendingBatches: 12,
  spoolBytes: 65_000,
  spoolBoundBytes: 268_435_456,
  droppedBatchesTotal: 2,
  droppedEventsTotal: 9_000_000_000,
  mergesTotal: 31,
  rejectedBatchesTotal: 1,
  degradeLevel: 3,
  pausedSources: ['fanotify', 'mdatp-rtp'],
  rssBytes: 90_000_000,
  cpuPercent: 7.5,
  inputWarnings: ['cisco-support /tmp/execs.txt: 0 events'],
};

/** Field numbers at the top level of an encoded message, skipping each value as an old decoder does. */
function topLevelFields(bytes: Uint8Array): number[] {
  const r = new BinaryReader(bytes);
  const out: number[] = [];
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    out.push(field);
    r.skip(wire as WireType);
  }
  return out;
}

test('an old-style batch (no agent_status) round-trips with the status absent', () => {
  const bytes = CountBatch.encode(oldStyle).finish();
  assert.ok(!topLevelFields(bytes).includes(21));
  const back = CountBatch.decode(bytes);
  assert.equal(back.agentStatus, undefined);
  assert.deepEqual({ ...back, agentStatus: undefined }, { ...oldStyle, agentStatus: undefined });
});

test('a batch with agent_status round-trips exactly, and is the old encoding plus field 21', () => {
  const withStatus = { ...oldStyle, agentStatus: status };
  const bytes = CountBatch.encode(withStatus).finish();
  assert.deepEqual(CountBatch.decode(bytes), withStatus);
  const old = CountBatch.encode(oldStyle).finish();
  assert.deepEqual(Buffer.from(bytes.subarray(0, old.length)), Buffer.from(old), 'the old fields encode unchanged');
  assert.deepEqual(topLevelFields(bytes.subarray(old.length)), [21], 'followed by only the new field, which an old decoder skips');
});

test('an all-default status is present but encodes no fields (zero = unknown/normal)', () => {
  const bytes = CountBatch.encode({ ...oldStyle, agentStatus: AgentStatus.fromPartial({}) }).finish();
  const back = CountBatch.decode(bytes);
  assert.ok(back.agentStatus);
  assert.equal(back.agentStatus.degradeLevel, 0);
  assert.deepEqual(back.agentStatus.pausedSources, []);
  assert.equal(AgentStatus.encode(AgentStatus.fromPartial({})).finish().length, 0);
});
