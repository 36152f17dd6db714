import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TimeOfDayClock } from './time-of-day-clock';

const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => new Date(y, mo, d, h, mi, s).getTime();

test('stamps go on the base day, and past midnight onto the next', () => {
  const clock = new TimeOfDayClock(at(2026, 11, 6, 9));
  assert.equal(clock.parse('23:59:59'), at(2026, 11, 6, 23, 59, 59));
  assert.equal(clock.parse('00:00:01.5'), at(2026, 11, 7, 0, 0, 1) + 500);
  assert.equal(clock.parse('25:00:00'), undefined);
});

test('a capture read the morning after it was recorded is dated the day before, never in the future', () => {
  // Recorded yesterday 14:00-14:20, the file last written then, read (or followed) at 03:45 today.
  const fileMtime = at(2026, 11, 6, 14, 20);
  const readAt = at(2026, 11, 7, 3, 45);
  const live = new TimeOfDayClock(readAt, readAt);
  assert.equal(live.parse('14:00:00'), at(2026, 11, 6, 14));
  assert.equal(live.parse('14:19:00'), at(2026, 11, 6, 14, 19));
  // From the file's own date: the mtime day is right already.
  assert.equal(new TimeOfDayClock(fileMtime, fileMtime).parse('14:00:00'), at(2026, 11, 6, 14));
  // A capture across midnight whose file was last written after it: the first stamp is the evening before.
  const acrossMidnight = new TimeOfDayClock(at(2026, 11, 7, 0, 11), at(2026, 11, 7, 0, 11));
  assert.equal(acrossMidnight.parse('23:50:00'), at(2026, 11, 6, 23, 50));
  assert.equal(acrossMidnight.parse('00:10:00'), at(2026, 11, 7, 0, 10));
  // Stamps a little after "now" (clock differences between hosts) stay on today.
  assert.equal(new TimeOfDayClock(readAt, readAt).parse('03:50:00'), at(2026, 11, 7, 3, 50));
});
