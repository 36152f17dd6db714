import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { WindowCounts } from '@fleettune/counting';
import { countAudispStream } from './audisp-stream';
import { oneShotTotals, recordedStream, totalsOf } from './live-test-data';

test('audisp plugin mode: records on stdin, windows as they complete, the rest at end of input', async () => {
  const data = recordedStream(2);
  const windows: WindowCounts[] = [];
  let seenBeforeEnd = 0;
  async function* chunks() {
    for (let i = 0; i < data.length; i += 4093) yield data.subarray(i, i + 4093);
    seenBeforeEnd = windows.length;
  }
  const r = await countAudispStream(Readable.from(chunks()), {
    source: 'linux-audit',
    windowMs: 1000,
    graceMs: 500,
    sink: { lastSequence: () => windows.length, append: (w) => windows.push(w) },
  });
  assert.ok(seenBeforeEnd > 5, 'windows are appended while reading');
  assert.equal(r.windows, windows.length);
  assert.deepEqual(totalsOf(windows), oneShotTotals(data, 1000));
});
