import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ExportableExclusion } from '@fleettune/rules';
import { EXPORT_FORMATS, ExportFormatId } from './export-formats';
import { GOLDEN_ITEMS } from './golden-items';
import { MdatpManagedJsonExporter } from './mdatp-managed-json-exporter';
import { MdatpCliExporter } from './mdatp-cli-exporter';
import { shellQuote } from './shell-quote';
import { csvField } from './csv-field';

const GOLDEN_DIR = join(__dirname, '..', 'fixtures', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, name);
  if (UPDATE) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual);
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from golden (UPDATE_GOLDEN=1 to accept)`);
}

for (const [id, format] of Object.entries(EXPORT_FORMATS) as [ExportFormatId, (typeof EXPORT_FORMATS)[ExportFormatId]][]) {
  test(`golden: ${id}`, () => {
    const result = format.exporter.export(GOLDEN_ITEMS);
    golden(format.fileName, result.content);
    golden(
      `${format.fileName}.skipped.json`,
      JSON.stringify(
        result.skipped.map((s) => ({ value: s.item.value, reason: s.reason })),
        null,
        2,
      ) + '\n',
    );
    // Only XML gives markup meaning; the other formats carry it as inert data.
    if (id === 'mdatp-plist') assert.equal(result.content.includes('<script>'), false, 'markup is never emitted raw in XML');
  });
}

test('golden: mdatp-json with global scope', () => {
  golden('mdatp_managed.global.json', new MdatpManagedJsonExporter().export(GOLDEN_ITEMS, { useGlobalScope: true }).content);
});

test('mdatp json: shape, scopes and global only for eligible full paths', () => {
  const doc = JSON.parse(new MdatpManagedJsonExporter().export(GOLDEN_ITEMS, { useGlobalScope: true }).content);
  assert.equal(doc.exclusionSettings.mergePolicy, 'merge');
  const ex = doc.exclusionSettings.exclusions as { $type: string; path?: string; name?: string; extension?: string; scopes: string[] }[];
  for (const e of ex) {
    assert.ok(e.scopes.includes('epp'));
    const v = e.path ?? e.name ?? '';
    if (e.scopes.includes('global')) assert.ok(!v.includes('*') && e.$type !== 'excludedFileExtension');
  }
  assert.deepEqual(
    ex.find((e) => e.$type === 'excludedFileExtension'),
    { $type: 'excludedFileExtension', extension: '.journal', scopes: ['epp'] },
  );
  assert.deepEqual(ex.find((e) => e.path === '/var/log/acme/agent.log')?.scopes, ['epp', 'global']);
  assert.deepEqual(ex.find((e) => e.path === '/Users/*/Library/Logs/Acme/acme.log')?.scopes, ['epp']);
  const noGlobal = JSON.parse(new MdatpManagedJsonExporter().export(GOLDEN_ITEMS).content);
  assert.ok(noGlobal.exclusionSettings.exclusions.every((e: { scopes: string[] }) => e.scopes.join() === 'epp'));
});

test('shell quoting round-trips through sh', () => {
  assert.equal(shellQuote(`a'b`), `'a'\\''b'`);
  assert.equal(shellQuote('/var/*/tmp'), `'/var/*/tmp'`);
});

test('csv fields follow RFC 4180 and defuse formulas', () => {
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('=1+1'), `'=1+1`);
  assert.equal(csvField('/plain'), '/plain');
});

const hostileValue = fc.string({ unit: 'binary', maxLength: 30 }).map((s) => '/opt/' + s);
const anyItem = fc.record({
  type: fc.constantFrom('path', 'wildcard', 'extension', 'filename', 'process', 'audit-exe', 'audit-dir'),
  value: hostileValue,
  isDirectory: fc.boolean(),
  user: fc.constantFrom('', 'root', '_svc', 'a\nb'),
  applyToChildren: fc.boolean(),
  globalScopeEligible: fc.boolean(),
  reason: fc.string({ unit: 'binary', maxLength: 20 }),
}) as fc.Arbitrary<ExportableExclusion>;

test('property: line formats emit exactly one line per exported rule, never an injected one', () => {
  fc.assert(
    fc.property(fc.array(anyItem, { maxLength: 8 }), (items) => {
      for (const id of ['mdatp-cli', 'auditd-rules', 'cisco-csv'] as const) {
        const { content, skipped } = EXPORT_FORMATS[id].exporter.export(items);
        const lines = content.split(/\r?\n/).filter((l) => l !== '' && !l.startsWith('#'));
        const ruleLines = lines.filter((l) => !/^set -e$/.test(l) && l !== '-i' && !l.startsWith('ExclusionGUID,'));
        const exported = items.length - skipped.length;
        if (id === 'auditd-rules') {
          assert.ok(ruleLines.length <= exported, `${id}: ${ruleLines.length} lines for ${exported} items`);
          // Directory rules carry perm=rwa since issue 19 (executions from the directory stay recorded).
          for (const l of ruleLines) assert.match(l, /^-A never,exit -F (exe|dir)=\/\S*( -F perm=rwa)?$/);
        } else if (id === 'cisco-csv') {
          assert.equal(ruleLines.length, exported);
        } else {
          for (const l of ruleLines) assert.match(l, /^mdatp exclusion (folder|file|process|extension) add --(path|name) '/);
          assert.ok(ruleLines.length >= exported && ruleLines.length <= 2 * exported);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('property: mdatp json always parses back to the same values', () => {
  fc.assert(
    fc.property(fc.array(anyItem, { maxLength: 8 }), (items) => {
      const { content, skipped } = new MdatpManagedJsonExporter().export(items);
      const doc = JSON.parse(content);
      assert.equal(doc.exclusionSettings.exclusions.length, items.length - skipped.length);
    }),
  );
});

test('cli: a newline in a path is skipped, not written', () => {
  const { content, skipped } = new MdatpCliExporter().export([GOLDEN_ITEMS[12]]);
  assert.equal(skipped.length, 1);
  assert.ok(!content.includes('evil'));
});
