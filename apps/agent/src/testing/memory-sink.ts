import type { WindowCounts } from '@fleettune/counting';
import type { WindowSink } from '../live/window-sink';

/** A sink that survives simulated crashes (like the fsynced spool): every window a follower or poller emitted, in order. */
export function memorySink(): WindowSink & { windows: WindowCounts[] } {
  const windows: WindowCounts[] = [];
  return { windows, lastSequence: () => windows.length, append: (w) => windows.push(w) };
}
