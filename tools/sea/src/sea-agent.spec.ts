import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { test } from 'node:test';
import { auditLogSpanSeconds, PARALLEL_MIN_BYTES, shiftAuditLog } from '@fleettune/audit';
import { bundleAgent } from './agent-bundle';
import { agentCommand, idleRunRss, REPO, runAgent, SEA_BINARY } from './sea-process';

// The single executable is built by `npm run build:agent-sea` (~30 s, a 96 MiB
// copy of node), not by `npm run build`: without it these tests are skipped, and say so.
const built = fs.existsSync(SEA_BINARY);
const skip = built ? false : `${path.relative(REPO, SEA_BINARY)} not built: run npm run build:agent-sea first`;
if (!built) process.stderr.write(`sea-agent.spec: SKIPPED, ${skip}\n`);

const LOGS = ['web-01.audit.log', 'build-03.audit.log'].map((f) => path.join(REPO, 'tools', 'demo', 'logs', f));

test('the single executable runs without node_modules: --version and --help', { skip }, () => {
  const version = runAgent(agentCommand('sea'), ['--version']);
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout.trim(), runAgent(agentCommand('node'), ['--version']).stdout.trim());
  const help = runAgent(agentCommand('sea'), ['--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Usage: fleettune-agent/);
  assert.match(help.stdout, /\breport\b/);
  assert.match(help.stdout, /\brun\b/);
  // No "single executable application is experimental" noise on the agent's stderr.
  assert.equal(help.stderr, '');
});

for (const log of LOGS) {
  test(`report --source linux-audit --input ${path.basename(log)} --json: the SEA prints exactly what the node-run agent prints`, { skip }, () => {
    const args = ['report', '--source', 'linux-audit', '--input', log, '--json'];
    const sea = runAgent(agentCommand('sea'), args);
    const node = runAgent(agentCommand('node'), args);
    assert.equal(sea.status, 0, sea.stderr);
    assert.equal(node.status, 0, node.stderr);
    const parsed = JSON.parse(sea.stdout) as { events: number; execs: unknown[] };
    assert.ok(parsed.events > 100 && parsed.execs.length > 0, 'a real report, not an empty one');
    assert.equal(sea.stdout, node.stdout);
  });
}

test('report on a missing file fails the same way in both', { skip }, () => {
  const args = ['report', '--source', 'linux-audit', '--input', path.join(REPO, 'no-such.audit.log'), '--json'];
  const sea = runAgent(agentCommand('sea'), args);
  const node = runAgent(agentCommand('node'), args);
  assert.notEqual(sea.status, 0);
  assert.equal(sea.status, node.status);
  assert.equal(sea.stderr, node.stderr);
});

test('run idles (empty log, no hub) in bounded memory', { skip }, async () => {
  const rss = await idleRunRss(agentCommand('sea'));
  assert.ok(rss > 10 * 1048576 && rss < 200 * 1048576, `idle RSS ${rss} bytes`);
});

/** A log of at least `bytes` from a recorded fixture: copies shifted in time and serial, as bench:parse builds them. */
function bigAuditLog(file: string, bytes: number): void {
  const base = fs.readFileSync(path.join(REPO, 'libs', 'audit', 'fixtures', 'host-b.raw.log'));
  const span = auditLogSpanSeconds(base);
  const fd = fs.openSync(file, 'w');
  try {
    for (let i = 0, size = 0; size < bytes; i++) {
      const copy = shiftAuditLog(base, i * (span.last - span.first + 3), i * (span.maxSerial + 1));
      fs.writeSync(fd, copy);
      size += copy.length;
    }
  } finally {
    fs.closeSync(fd);
  }
}

// Runs without the single executable: the bundle is what it carries (build-sea.sh makes it with bundleAgent).
test('the agent bundled into one file reads a log large enough for worker threads on worker threads: same report as the node-run agent', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-bundle-'));
  try {
    const bundle = path.join(dir, 'fleettune-agent.cjs');
    bundleAgent(bundle);
    const log = path.join(dir, 'big.audit.log');
    bigAuditLog(log, PARALLEL_MIN_BYTES + (1 << 20));
    // Counts the worker threads the process starts (the bundle requires node:worker_threads at run time).
    const hook = path.join(dir, 'count-workers.js');
    fs.writeFileSync(
      hook,
      "const wt = require('node:worker_threads'); const W = wt.Worker; let n = 0;\n" +
        'wt.Worker = class extends W { constructor(...a) { super(...a); n++; } };\n' +
        "process.on('exit', () => process.stderr.write('workers started: ' + n + '\\n'));\n",
    );
    const args = ['report', '--source', 'linux-audit', '--input', log, '--json'];
    const bundled = runAgent([process.execPath, '-r', hook, bundle], args);
    const node = runAgent(agentCommand('node'), args);
    // A bundle has no audit-range-worker.js next to it: it once failed here with MODULE_NOT_FOUND.
    assert.equal(bundled.status, 0, bundled.stderr);
    assert.equal(node.status, 0, node.stderr);
    assert.match(bundled.stderr, /workers started: [1-9]/, 'the bundle reads on worker threads too');
    assert.ok((JSON.parse(bundled.stdout) as { events: number }).events > 10000, 'a real report');
    assert.equal(bundled.stdout, node.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the single executable reads a log large enough for worker threads: same report as the node-run agent', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-sea-big-'));
  try {
    const log = path.join(dir, 'big.audit.log');
    bigAuditLog(log, PARALLEL_MIN_BYTES + (1 << 20));
    const args = ['report', '--source', 'linux-audit', '--input', log, '--json'];
    const sea = runAgent(agentCommand('sea'), args);
    const node = runAgent(agentCommand('node'), args);
    assert.equal(sea.status, 0, sea.stderr);
    assert.equal(sea.stdout, node.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
