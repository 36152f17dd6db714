import { ExportableExclusion } from '@fleettune/rules';

/**
 * The fixed item list behind the golden files: ordinary items of every type
 * plus hostile values (quotes, markup, newline, spaces, unicode, formula).
 */
export const GOLDEN_ITEMS: readonly ExportableExclusion[] = [
  { type: 'path', value: '/var/log/acme/agent.log', isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'frequently written log/journal file' },
  { type: 'path', value: '/var/lib/acme/spool', isDirectory: true, user: '', applyToChildren: false, globalScopeEligible: true, reason: '1200 same-shaped files in this directory' },
  { type: 'wildcard', value: '/Users/*/Library/Logs/Acme/acme.log', isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: false, reason: 'per-user log' },
  { type: 'wildcard', value: '/var/cache/acme/chunk-*.tmp', isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: false, reason: 'numbered temp files' },
  { type: 'extension', value: '.journal', isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: false, reason: 'journal files' },
  { type: 'process', value: '/opt/jamf/bin/jamf', isDirectory: false, user: 'root', applyToChildren: true, globalScopeEligible: true, reason: 'starts noisy utilities /usr/bin/grep' },
  { type: 'process', value: '/Applications/Acme Sync.app/Contents/MacOS/Acme Sync', isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'noisy program, "quoted" reason, a,b' },
  { type: 'filename', value: 'index.lock', isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: false, reason: 'file name' },
  { type: 'audit-exe', value: '/opt/backup/bin/backupd', isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'audit initiator' },
  { type: 'audit-dir', value: '/var/lib/backup/spool', isDirectory: true, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'audit directory' },
  // Hostile values.
  { type: 'path', value: `/opt/it's "quoted"/x.log`, isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'quotes' },
  { type: 'path', value: '/opt/<script>alert(1)</script>&amp;/x', isDirectory: true, user: '', applyToChildren: false, globalScopeEligible: true, reason: '<b>markup</b>' },
  { type: 'path', value: '/opt/evil\n-a always,exit -F dir=/\nmdatp exclusion folder add --path /', isDirectory: true, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'newline\ninjection' },
  { type: 'process', value: '/opt/ünïcødé/bin/日本語-tool', isDirectory: false, user: '_svc', applyToChildren: false, globalScopeEligible: true, reason: 'unicode' },
  { type: 'process', value: "/opt/x/bin/$(rm -rf ~)`id`;'", isDirectory: false, user: '=cmd|calc', applyToChildren: false, globalScopeEligible: true, reason: '=HYPERLINK("x")' },
  { type: 'path', value: '/opt/tab\there', isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'tab' },
  // Hostile audit items: since issue 19 only audit-exe/audit-dir reach auditd rules, so they carry the rule-syntax cases.
  { type: 'audit-dir', value: '/opt/evil\n-a always,exit -F dir=/', isDirectory: true, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'newline' },
  { type: 'audit-exe', value: '/opt/x y/bin/$(id)', isDirectory: false, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'space' },
  { type: 'audit-dir', value: '/opt/ünïcødé/spool', isDirectory: true, user: '', applyToChildren: false, globalScopeEligible: true, reason: 'unicode' },
];
