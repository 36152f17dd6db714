import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { WindowCounts } from '@fleettune/counting';
import { MdatpRtpPoller } from './mdatp-rtp-poller';
import { memorySink } from '../testing/memory-sink';
import { Crash } from '../testing/simulated-crash';

const SAMPLE = path.resolve(__dirname, '..', '..', '..', '..', 'libs', 'mdatp', 'fixtures', 'mdatp_rtp_statistics_macos_excerpt.json');

/** The real sample with every counter grown by `add(i)` files. */
function poll(add: (i: number) => number): Buffer {
  const d = JSON.parse(fs.readFileSync(SAMPLE, 'utf8')) as { counters: Array<{ totalFilesScanned: string }> };
  d.counters.forEach((c, i) => (c.totalFilesScanned = String(Number(c.totalFilesScanned) + add(i))));
  return Buffer.from(JSON.stringify(d));
}

const files = (ws: WindowCounts[]) => ws.reduce((n, w) => n + w.events, 0);

test('a crash between the checkpoint and the spool append: the restarted poller sends that window once', () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-mdatp-'));
  const sink = memorySink();
  let now = Date.UTC(2026, 0, 1, 0, 0, 30);
  let crash = false;
  const make = () =>
    new MdatpRtpPoller({
      source: 'mdatp-rtp',
      stateDir,
      sink,
      windowMs: 60_000,
      now: () => now,
      faults: {
        afterCheckpoint: () => {
          if (crash) throw new Crash();
        },
      },
    });
  let p = make();
  p.count(poll(() => 0)); // baseline
  now += 20_000;
  p.count(poll((i) => i + 1)); // +1..+8 files, window still open
  now += 60_000;
  crash = true;
  assert.throws(() => p.count(poll((i) => 2 * (i + 1))), Crash); // the first window completes; checkpointed, not spooled
  assert.equal(sink.windows.length, 0);
  crash = false;
  p = make(); // restart: the outbox is delivered
  assert.equal(sink.windows.length, 1);
  assert.equal(files(sink.windows), 36, '1+2+...+8 files, once');
  p = make(); // another restart: nothing is sent again
  assert.equal(sink.windows.length, 1);
  p.finish();
  assert.equal(files(sink.windows), 72, 'the poll that crashed is counted in the next window, once');
});

test('a failed command or output without statistics changes nothing', async () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-mdatp-'));
  const sink = memorySink();
  const logs: string[] = [];
  const p = new MdatpRtpPoller({ source: 'mdatp-rtp', stateDir, sink, windowMs: 60_000, command: 'echo no such daemon >&2; exit 3', log: (m) => logs.push(m) });
  const r = await p.poll();
  assert.equal(r.ok, false);
  assert.match(logs.join('\n'), /no such daemon/);
  assert.equal(p.count(Buffer.from('garbage\n')).ok, false);
  assert.equal(fs.existsSync(p.checkpointFile), false, 'no poll was counted');
  assert.equal(p.finish(), 0);
  assert.equal(sink.windows.length, 0);
});
