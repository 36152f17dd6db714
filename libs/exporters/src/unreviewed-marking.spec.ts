import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { EXPORT_FORMATS, ExportFormatId } from './export-formats';
import { GOLDEN_ITEMS } from './golden-items';
import { CISCO_CSV_HEADER } from './cisco-csv-exporter';
import { UNREVIEWED_JSON_KEY, UNREVIEWED_MARK, UNREVIEWED_REASON_PREFIX } from './unreviewed-marking';

const formats = Object.entries(EXPORT_FORMATS) as [ExportFormatId, (typeof EXPORT_FORMATS)[ExportFormatId]][];

test('an unreviewed export carries the mark in every format; a reviewed one never does', () => {
  for (const [id, f] of formats) {
    const reviewed = f.exporter.export(GOLDEN_ITEMS).content;
    const unreviewed = f.exporter.export(GOLDEN_ITEMS, { unreviewed: true }).content;
    assert.ok(!reviewed.includes('UNREVIEWED'), id);
    assert.ok(unreviewed.includes(id === 'cisco-csv' ? UNREVIEWED_REASON_PREFIX : UNREVIEWED_MARK), id);
  }
});

test('the mark keeps each format valid: JSON field, shell/auditd/XML comment, CSV Reason column', () => {
  for (const id of ['mdatp-json', 'cisco-json'] as const) {
    const doc = JSON.parse(EXPORT_FORMATS[id].exporter.export(GOLDEN_ITEMS, { unreviewed: true }).content);
    assert.equal(doc[UNREVIEWED_JSON_KEY], UNREVIEWED_MARK);
    assert.equal(Object.keys(doc)[0], UNREVIEWED_JSON_KEY, 'first thing a reader sees');
  }
  const sh = EXPORT_FORMATS['mdatp-cli'].exporter.export(GOLDEN_ITEMS, { unreviewed: true }).content;
  assert.ok(sh.split('\n').includes(`# ${UNREVIEWED_MARK}`));
  execFileSync('sh', ['-n'], { input: sh }); // still a syntactically valid script
  const rules = EXPORT_FORMATS['auditd-rules'].exporter.export(GOLDEN_ITEMS, { unreviewed: true }).content;
  assert.ok(rules.split('\n').includes(`## ${UNREVIEWED_MARK}`));
  assert.ok(rules.split('\n').every((l) => l === '' || l.startsWith('#') || l === '-i' || l.startsWith('-A never,exit')));
  const plist = EXPORT_FORMATS['mdatp-plist'].exporter.export(GOLDEN_ITEMS, { unreviewed: true }).content;
  assert.ok(plist.includes(`<!-- ${UNREVIEWED_MARK} -->`));
  assert.ok(!UNREVIEWED_MARK.includes('--'), 'an XML comment may not contain --');
  const csv = EXPORT_FORMATS['cisco-csv'].exporter.export(GOLDEN_ITEMS, { unreviewed: true }).content.trimEnd().split('\r\n');
  assert.equal(csv[0], CISCO_CSV_HEADER.join(','));
  assert.ok(csv.length > 1 && csv.slice(1).every((row) => row.includes(UNREVIEWED_REASON_PREFIX)), 'every row says it is unreviewed');
});
