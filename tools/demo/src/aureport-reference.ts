import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

function haveAureport(): boolean {
  try {
    execFileSync('aureport', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function parseSummary(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s{2}(.+)$/.exec(line);
    if (m) out.set(m[2], Number(m[1]));
  }
  return out;
}

/**
 * What `ausearch -sc execve -sv yes --raw | aureport -x --summary` counts on a
 * log: run live where auditd's tools are installed, else the counts recorded
 * beside the log by tools/demo/logs/record-expected.sh.
 */
export function referenceExecCounts(log: string): { counts: Map<string, number>; live: boolean } {
  if (haveAureport()) {
    // A real pipe: aureport reads stdin only when it is a FIFO, and Node's
    // child stdin is a socket.
    const summary = execFileSync('sh', ['-c', 'ausearch -if "$1" -sc execve -sv yes --raw | aureport -x --summary', 'sh', log], {
      maxBuffer: 1 << 30,
    }).toString();
    return { counts: parseSummary(summary), live: true };
  }
  const expected = JSON.parse(fs.readFileSync(`${log}.expected.json`, 'utf8')) as { execs: Record<string, number> };
  return { counts: new Map(Object.entries(expected.execs)), live: false };
}
