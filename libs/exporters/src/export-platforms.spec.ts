import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportPlatform } from './export-platforms';

test("each format's platform by default; os= overrides; auditd is Linux only; Cisco follows a one-platform set", () => {
  assert.equal(exportPlatform('mdatp-json', undefined), 'linux');
  assert.equal(exportPlatform('mdatp-plist', undefined), 'darwin');
  assert.equal(exportPlatform('auditd-rules', undefined), 'linux');
  assert.equal(exportPlatform('mdatp-cli', undefined, new Set(['linux', 'darwin'])), undefined);
  assert.equal(exportPlatform('cisco-csv', undefined, new Set(['linux'])), undefined, 'a Linux-only set: all of it');
  assert.equal(exportPlatform('cisco-json', undefined, new Set(['linux', 'darwin'])), 'darwin', "mixed: the Mac connector's set");
  assert.equal(exportPlatform('mdatp-json', 'darwin'), 'darwin');
  assert.equal(exportPlatform('cisco-csv', 'linux', new Set(['linux', 'darwin'])), 'linux');
  assert.throws(() => exportPlatform('auditd-rules', 'darwin'), /linux only/);
  assert.throws(() => exportPlatform('mdatp-json', 'windows'), /os must be/);
});
