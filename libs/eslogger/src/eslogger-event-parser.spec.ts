import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { destinationPath, parseEslogger, parseEsTime, readAuditToken } from './eslogger-event-parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const REAL = readFileSync(path.join(FIXTURES, 'eslogger_real_captures.jsonl'));
const BUILT = readFileSync(path.join(FIXTURES, 'eslogger_file_events_from_schema.jsonl'));
const SCHEMA = JSON.parse(readFileSync(path.join(FIXTURES, 'eslogger_keys_schema_macmonitor.json'), 'utf8'));

test('real captures: exit, exec (v9), fork (v10 array tokens), exec (v11) are 4 events, 2 execs', () => {
  const { events, stats } = parseEslogger(REAL);
  assert.equal(stats.events, 4);
  assert.equal(stats.skipped, 0);
  assert.deepEqual(
    events.map((e) => e.exec),
    [
      undefined,
      // target is the new image; the caller (top-level process) is the parent
      { path: '/bin/connection-checker', parentPath: '/bin/nu', user: '501', pid: 97391, ppid: 58916 },
      undefined,
      {
        path: '/System/Library/PrivateFrameworks/IntlPreferences.framework/Support/localizationswitcherd',
        parentPath: events[3].exec?.parentPath,
        user: '501',
        pid: 11085,
        ppid: 1,
      },
    ],
  );
  assert.equal(events[0].timestampMs, Date.UTC(2025, 7, 7, 15, 13, 9, 811) + 0.587);
  for (const e of events) assert.deepEqual(e.files, []);
});

test('the v11 exec caller path comes from the top-level process', () => {
  const line = REAL.toString('utf8').split('\n')[3];
  const msg = JSON.parse(line);
  const { events } = parseEslogger(line);
  assert.equal(events[0].exec?.parentPath, msg.process.executable.path);
  assert.notEqual(msg.process.executable.path, msg.event.exec.target.executable.path);
});

test('file events built from the key map: both destination shapes, close modified only, unlink', () => {
  const { events, stats } = parseEslogger(BUILT);
  assert.deepEqual(stats.skippedReasons, { 'unsupported-event': 1 }); // the write
  const proc = '/usr/sbin/ipconfig';
  assert.deepEqual(
    events.map((e) => e.files),
    [
      [{ path: '/private/var/folders/xy/T/tmp.a1b2', op: 'create', processPath: proc }],
      [{ path: '/Users/alice/Library/Caches/app/db.sqlite-wal', op: 'create', processPath: proc }],
      [{ path: '/Users/alice/Library/Caches/app/index.db', op: 'rename', processPath: proc }],
      [{ path: '/Users/alice/x.plist', op: 'rename', processPath: proc }],
      [{ path: '/Users/alice/Library/Caches/app/index.db', op: 'modify', processPath: proc }],
      [], // close without modification
      [{ path: '/private/var/folders/xy/T/tmp.a1b2', op: 'delete', processPath: proc }],
      [{ path: '/Users/alice/y.log', op: 'modify', processPath: proc }], // v10, array tokens
      [],
    ],
  );
  assert.deepEqual(events[8].exec, { path: '/bin/connection-checker', parentPath: '/bin/nu', user: '501', pid: 97391, ppid: 58916 });
});

test('the fixtures follow the key map: every create/rename/close/unlink key used is in it', () => {
  for (const line of BUILT.toString('utf8').trim().split('\n')) {
    const msg = JSON.parse(line);
    const [name] = Object.keys(msg.event);
    const keys = Object.keys(SCHEMA.events[name]).map((k: string) => k.replace(/\?$/, ''));
    const walk = (o: Record<string, unknown>, prefix: string): void => {
      for (const [k, v] of Object.entries(o)) {
        const key = prefix + k;
        if (keys.includes(key) && SCHEMA.events[name][key] === 'file') continue;
        if (v && typeof v === 'object' && !Array.isArray(v) && !keys.includes(key)) walk(v as Record<string, unknown>, key + '.');
        else assert.ok(keys.includes(key), `${name}: ${key}`);
      }
    };
    walk(msg.event[name], '');
  }
});

test('audit_token: object and 8-int array [auid,euid,egid,ruid,rgid,pid,asid,pidversion]', () => {
  const fork = JSON.parse(REAL.toString('utf8').split('\n')[2]);
  assert.deepEqual(readAuditToken(fork.process.audit_token), {
    auid: 501,
    euid: 501,
    egid: 20,
    ruid: 501,
    rgid: 20,
    pid: 19745,
    asid: 100013,
    pidversion: 35165,
  });
  assert.deepEqual(readAuditToken({ auid: 1, euid: 2, egid: 3, ruid: 4, rgid: 5, pid: 6, asid: 7, pidversion: 8 }), readAuditToken([1, 2, 3, 4, 5, 6, 7, 8]));
  assert.equal(readAuditToken([1, 2, 3]), undefined);
  assert.equal(readAuditToken({ pid: 1 }), undefined);
});

test('destination without destination_type takes whichever shape is present; a wrong type gives none', () => {
  assert.equal(destinationPath({ destination: { new_path: { dir: { path: '/a/' }, filename: 'b' } } }), '/a/b');
  assert.equal(destinationPath({ destination: { existing_file: { path: '/c' } } }), '/c');
  assert.equal(destinationPath({ destination_type: 1, destination: { existing_file: { path: '/c' } } }), undefined);
});

test('time with nanoseconds and offsets', () => {
  assert.equal(parseEsTime('2026-08-04T11:38:25.825904694Z'), Date.UTC(2026, 7, 4, 11, 38, 25, 825) + 0.904);
  assert.equal(parseEsTime('2026-08-04T11:38:25+02:00'), Date.UTC(2026, 7, 4, 9, 38, 25));
  assert.equal(parseEsTime('yesterday'), undefined);
  const { events } = parseEslogger('{"event":{"fork":{}},"time":"bad"}\n', { now: () => 99 });
  assert.equal(events[0].timestampMs, 99);
});

test('malformed records are skipped with their reason', () => {
  const { stats } = parseEslogger(
    [
      '{"event":{"exec":{}}}', // exec without target
      '{"event":{"close":{"target":{"path":"/x"}}}}', // close without modified
      '{"event":{"create":{"destination_type":1,"destination":{"new_path":{"dir":{"path":"/d"}}}}}}',
      '{"event":{"mmap":{}}}',
      '{"event":{"a":{},"b":{}}}',
      '[]',
      '{"event":',
      '\u0001{}',
    ].join('\n'),
  );
  assert.deepEqual(stats.skippedReasons, { 'bad-record': 5, 'unsupported-event': 1, 'bad-json': 1, 'control-bytes': 1 });
  assert.equal(stats.events, 0);
});

test('an exec whose event.exec.script names a file counts the script, marked as one; a null script keeps the image', () => {
  // The real v11 exec with `script` set the way ES sets it for `./sync-job` (a #! file run directly).
  const line = REAL.toString('utf8').split('\n')[3];
  const msg = JSON.parse(line);
  msg.event.exec.script = { path: '/usr/local/acme/sync-job', path_truncated: false };
  const { events } = parseEslogger(JSON.stringify(msg));
  assert.equal(events[0].exec?.path, '/usr/local/acme/sync-job');
  assert.equal(events[0].exec?.format, 'script');
  assert.equal(events[0].exec?.parentPath, msg.process.executable.path);
  const plain = parseEslogger(line).events[0].exec;
  assert.equal(plain?.path, msg.event.exec.target.executable.path);
  assert.equal(plain?.format, undefined);
});
