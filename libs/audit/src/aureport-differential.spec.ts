import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { collect, FIXTURES_DIR, summarize } from './testing/collect';

/**
 * Differential test against the real aureport: logs rebuilt from the
 * recorded fixture with shifted times (0-5 s gaps) and interleaved records
 * must give the same event, key, syscall and exec counts. Skipped when
 * aureport is not installed.
 */
const hasAureport = spawnSync('aureport', ['--version']).status === 0;

const HEADER = /msg=audit\((\d+)\.(\d+):(\d+)\)/;

function eventGroups(): string[][] {
  const groups = new Map<string, string[]>();
  for (const line of readFileSync(path.join(FIXTURES_DIR, 'host-b.raw.log'), 'latin1').split('\n')) {
    const m = HEADER.exec(line);
    if (!m) continue;
    const id = m[0];
    let g = groups.get(id);
    if (!g) groups.set(id, (g = []));
    g.push(line);
  }
  return [...groups.values()];
}

function aureportCounts(file: string) {
  const rows = (out: string) =>
    out
      .split('\n')
      .map((l) => /^(\d+) {2}(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[2], Number(m[1])] as [string, number]);
  const sort = (r: Array<[string, number]>) => r.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const run = (args: string[]) => execFileSync('aureport', args, { encoding: 'utf8' });
  const execOut = execFileSync('sh', ['-c', 'ausearch -if "$1" -sc execve -sv yes --raw 2>/dev/null | aureport -x --summary', 'sh', file], {
    encoding: 'utf8',
  });
  return {
    events: Number(/Number of events: (\d+)/.exec(run(['-if', file]))?.[1] ?? 0),
    execs: sort(rows(execOut)),
    keys: sort(rows(run(['-if', file, '-k', '--summary']))),
    syscalls: sort(rows(run(['-if', file, '-s', '--summary', '-i']))),
  };
}

test('counts equal live aureport on reshuffled real events', { skip: !hasAureport && 'aureport not installed' }, async () => {
  const groups = eventGroups();
  const dir = mkdtempSync(path.join(tmpdir(), 'ft-audit-diff-'));
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            group: fc.nat(groups.length - 1),
            jump: fc.constantFrom(0, 0, 0, 1, 2, 3, 5),
            interleave: fc.boolean(),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        async (plan) => {
          let sec = 1700000000;
          let serial = 1;
          const out: string[] = [];
          let prev: string[] = [];
          for (const step of plan) {
            sec += step.jump;
            // Ids are not reused here: in real logs a live id is never shared by
            // unrelated records, and when a generator does that aureport mixes
            // their fields (-x takes a user record's exe=, -sv a CONFIG_CHANGE
            // res=). Reuse after an event ended is covered by the assembler spec.
            const id: [number, number] = [sec, serial++];
            const lines = groups[step.group].map((l) => l.replace(HEADER, `msg=audit(${id[0]}.123:${id[1]})`));
            if (step.interleave && prev.length > 0) {
              // riffle this event's records into the previous event's tail
              const merged: string[] = [];
              const tail = out.splice(out.length - prev.length, prev.length);
              let i = 0;
              let j = 0;
              while (i < tail.length || j < lines.length) {
                if (j >= lines.length || (i < tail.length && (i + j) % 2 === 0)) merged.push(tail[i++]);
                else merged.push(lines[j++]);
              }
              out.push(...merged);
              prev = merged;
            } else {
              out.push(...lines);
              prev = lines;
            }
          }
          const file = path.join(dir, 'log');
          writeFileSync(file, out.join('\n') + '\n', 'latin1');
          const expected = aureportCounts(file);
          const got = summarize((await collect(readFileSync(file))).events);
          assert.deepEqual(got, expected);
        },
      ),
      { numRuns: 60 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
