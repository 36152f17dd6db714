/** Test data for Cisco Support Tool specs (agent and live). */

/** The file the generated Debug log writes to. */
export const SUPPORT_LOG_FILE = '/Users/dev/Library/Logs/Foo/foo.log';

/** A Debug ampdaemon.log with `writes` WRITE lines of LOG, one a second from 09:40:00 on Aug 19. */
export function debugLogWith(writes: number): string {
  const lines = ['Aug 19 09:39:59 devs-Mac.local [2537] [ampdaemon]:[debug]-[daemon.c@1200]:[210962]: policy serial 42 loaded'];
  for (let i = 0; i < writes; i++) {
    const t = new Date(Date.UTC(2000, 0, 1, 9, 40, i));
    const hms = t.toISOString().slice(11, 19);
    lines.push(
      `Aug 19 ${hms} devs-Mac.local [2537] [fileop]:[info]-[kext_processor.c@938]:[210962]: Daemon Rx: VNODE:WRITE X:${i} P:3100 PP:1 U:502 [${SUPPORT_LOG_FILE}]`,
    );
  }
  return lines.join('\n') + '\n';
}
