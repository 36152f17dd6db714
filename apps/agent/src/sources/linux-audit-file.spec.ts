import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { auditRangeWorkerPool } from '@fleettune/audit';
import { runReport } from '../commands/report-command';
import { REPORT_BY_DIMENSIONS } from '../pipeline/report-by';

/**
 * `report` on a large regular linux-audit file reads it on several threads;
 * what it prints must be byte for byte what the one-thread read prints, for
 * the report and for every --by breakdown.
 */

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const FIXTURES = path.join(REPO, 'libs', 'audit', 'fixtures');
const DEMO = path.join(REPO, 'tools', 'demo', 'logs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-report-parallel-'));
after(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await auditRangeWorkerPool.close();
});

// The demo logs together (~18 MB) are larger than two 4 MiB heads, so the worker threads' own counts are used.
const concatenated = path.join(tmp, 'all.audit.log');
fs.writeFileSync(concatenated, Buffer.concat(['build-03.audit.log', 'web-01.audit.log', 'web-02.audit.log'].map((f) => fs.readFileSync(path.join(DEMO, f)))));
const INPUTS = [path.join(FIXTURES, 'host-a.enriched.log'), path.join(FIXTURES, 'host-b.raw.log'), path.join(DEMO, 'web-01.audit.log'), concatenated];

async function report(input: string, parallelMinBytes: number, by?: string, json = true): Promise<string> {
  let out = '';
  let err = '';
  const code = await runReport(
    { source: 'linux-audit', input, top: 1000, json, by: by as never },
    { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s), isTTY: false }, stdin: Readable.from([]), parallelMinBytes },
  );
  assert.equal(code, 0, err);
  return out;
}

for (const input of INPUTS) {
  test(`report on ${path.basename(input)}: parallel read prints exactly what the one-thread read prints`, async () => {
    const sequential = await report(input, Number.MAX_SAFE_INTEGER);
    assert.ok(JSON.parse(sequential).events > 0);
    assert.equal(await report(input, 1), sequential);
    assert.equal(await report(input, 1, undefined, false), await report(input, Number.MAX_SAFE_INTEGER, undefined, false));
    for (const by of REPORT_BY_DIMENSIONS) assert.equal(await report(input, 1, by), await report(input, Number.MAX_SAFE_INTEGER, by), `--by ${by}`);
  });
}
