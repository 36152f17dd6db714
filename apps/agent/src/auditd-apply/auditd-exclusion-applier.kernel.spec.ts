import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AGENT_AUDITD_RULES_FILE_NAME, AGENT_AUDITD_RULE_KEY, AuditdRuleTarget, HostAuditdItem, agentRulesInListing, auditctlArgs } from '@fleettune/exporters';
import { Auditctl, AuditctlResult, SystemAuditctl } from './auditctl';
import { applyAuditdExclusions } from './auditd-exclusion-applier';

/** Why kernel audit cannot be used here, or undefined when it can (as libs/exporters/src/auditd-kernel.spec.ts). */
function auditUnavailable(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root';
  if (spawnSync('sh', ['-c', 'command -v auditctl'], { encoding: 'utf8' }).status !== 0) return 'auditctl is not installed';
  const status = spawnSync('auditctl', ['-s'], { encoding: 'utf8' });
  if (status.status !== 0) return `auditctl -s fails: ${(status.stderr || status.stdout).trim()}`;
  if (/^enabled 2/m.test(status.stdout)) return 'audit is immutable here';
  return undefined;
}
const unavailable = auditUnavailable();
const listing = () => execFileSync('auditctl', ['-l'], { encoding: 'utf8' });
/** The kernel's rules that are not the agent's, in order: what the agent must never change. */
const hostRules = (l: string) =>
  l.split('\n').filter((r) => r.trim() && !r.includes(`key=${AGENT_AUDITD_RULE_KEY}`) && !r.includes(`-k ${AGENT_AUDITD_RULE_KEY}`));

/** Deletes every rule of the agent's left in the kernel (only ours: exact shape and key). */
function deleteOurRules(): void {
  for (const t of agentRulesInListing(listing())) spawnSync('auditctl', auditctlArgs('delete', t));
}

/** The real auditctl with one fault injected: what a failed load looks like, on the real kernel. */
class FaultyAuditctl implements Auditctl {
  private readonly real = new SystemAuditctl();
  constructor(private readonly fault: { enabled?: number; failDelete?: boolean; failAddOf?: string }) {}
  async enabled() {
    return this.fault.enabled !== undefined ? { enabled: this.fault.enabled } : this.real.enabled();
  }
  list() {
    return this.real.list();
  }
  add(t: AuditdRuleTarget): Promise<AuditctlResult> {
    if (this.fault.failAddOf && t.exe === this.fault.failAddOf) return Promise.resolve({ ok: false, output: 'Error sending add rule data request (Injected)' });
    return this.real.add(t);
  }
  delete(t: AuditdRuleTarget): Promise<AuditctlResult> {
    return this.fault.failDelete ? Promise.resolve({ ok: false, output: 'Error sending delete rule data request (Injected)' }) : this.real.delete(t);
  }
}

test(
  'applies exactly the rules whose paths exist, skips the others with why, never touches the host rules; removal, partial and failed loads',
  { skip: unavailable, timeout: 120_000 },
  async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-apply-kernel-'));
    const rulesDir = path.join(root, 'rules.d');
    const key = `ftapplyhost${process.pid}`;
    const hostRule = ['-a', 'always,exit', '-F', 'arch=b64', '-S', 'mknodat', '-F', `key=${key}`];
    const hostExclusion = ['-a', 'never,exit', '-F', `dir=${root}`, '-F', `key=${key}n`];
    const initial = listing();
    try {
      fs.mkdirSync(path.join(root, 'bin'));
      fs.mkdirSync(path.join(root, 'spool'));
      const noisy = path.join(root, 'bin', 'noisyd');
      const other = path.join(root, 'bin', 'otherd');
      fs.copyFileSync('/bin/true', noisy);
      fs.copyFileSync('/bin/true', other);
      const absent = `/nonexistent-fleettune-${process.pid}`;
      // The host's own rules, loaded before the agent runs: one audit rule, one exclusion of its own.
      execFileSync('auditctl', hostRule);
      execFileSync('auditctl', hostExclusion);
      const hostBefore = hostRules(listing());
      const items: HostAuditdItem[] = [
        { itemId: '1', type: 'audit-exe', value: noisy },
        { itemId: '2', type: 'audit-exe', value: `${absent}/bin/gone` },
        { itemId: '3', type: 'audit-dir', value: path.join(root, 'spool') },
        { itemId: '4', type: 'audit-dir', value: `${absent}/spool` },
        { itemId: '5', type: 'audit-dir', value: path.join(root, 'spool'), initiator: other },
      ];
      const run = (its: HostAuditdItem[], auditctl: Auditctl = new SystemAuditctl(), dryRun = false) =>
        applyAuditdExclusions({ items: its, setVersion: 3, etag: 'sha256:spec', rulesDir, auditctl, dryRun });

      const dry = await run(items, new SystemAuditctl(), true);
      assert.equal(dry.wouldAdd.length, 3);
      assert.ok(!fs.existsSync(rulesDir), 'a dry run writes nothing');
      assert.deepEqual(agentRulesInListing(listing()), [], 'and loads nothing');

      const first = await run(items);
      assert.equal(first.state, 'applied', first.message);
      const outcome = Object.fromEntries(first.lines.map((l) => [l.itemId, l.outcome]));
      assert.deepEqual(outcome, { '1': 'applied', '2': 'skipped', '3': 'applied', '4': 'skipped', '5': 'applied' });
      assert.match(first.lines.find((l) => l.itemId === '2')!.reason, /not present on this host/);
      const ours = agentRulesInListing(listing());
      assert.deepEqual(
        ours.map((t) => `${t.exe ?? ''}|${t.dir ?? ''}`).sort(),
        [`${noisy}|`, `${other}|${path.join(root, 'spool')}`, `|${path.join(root, 'spool')}`].sort(),
      );
      assert.deepEqual(hostRules(listing()), hostBefore, 'the host rules are untouched, in their order');
      const file = fs.readFileSync(path.join(rulesDir, AGENT_AUDITD_RULES_FILE_NAME), 'utf8');
      assert.equal(file.split('\n').filter((l) => l.startsWith('-A ')).length, 3);
      assert.ok(!file.split('\n').some((l) => l.startsWith('-') && l.includes(absent)), 'no rule line of an absent path');
      // Idempotent: the kernel already has the planned rules, so nothing is added twice.
      const again = await run(items);
      assert.equal(again.state, 'applied');
      assert.equal(agentRulesInListing(listing()).length, 3, 'applying again changes nothing');
      // The file alone brings the same rules back (at boot augenrules hands it to auditctl -R after -D).
      deleteOurRules();
      const reload = spawnSync('auditctl', ['-R', path.join(rulesDir, AGENT_AUDITD_RULES_FILE_NAME)], { encoding: 'utf8' });
      assert.equal(reload.status, 0, reload.stderr);
      assert.deepEqual(
        agentRulesInListing(listing())
          .map((t) => `${t.exe ?? ''}|${t.dir ?? ''}`)
          .sort(),
        ours.map((t) => `${t.exe ?? ''}|${t.dir ?? ''}`).sort(),
      );

      // An item removed (no longer approved): its rule goes, the others and the host rules stay.
      const fewer = await run(items.filter((i) => i.itemId !== '1'));
      assert.equal(fewer.state, 'applied');
      assert.ok(!agentRulesInListing(listing()).some((t) => t.exe === noisy && !t.dir));
      assert.equal(agentRulesInListing(listing()).length, 2);
      assert.deepEqual(hostRules(listing()), hostBefore);

      // The kernel refuses one rule: that line failed, the rest loaded, the file holds what is loaded.
      const partial = await run(items, new FaultyAuditctl({ failAddOf: noisy }));
      assert.equal(partial.state, 'partial');
      assert.equal(partial.lines.find((l) => l.itemId === '1')!.outcome, 'failed');
      assert.match(partial.lines.find((l) => l.itemId === '1')!.reason, /Injected/);
      assert.ok(!fs.readFileSync(path.join(rulesDir, AGENT_AUDITD_RULES_FILE_NAME), 'utf8').includes(`exe=${noisy} -F key`));

      // A failed load (a delete refused) restores the previous file and undoes the run.
      await run(items);
      const fileBefore = fs.readFileSync(path.join(rulesDir, AGENT_AUDITD_RULES_FILE_NAME), 'utf8');
      const kernelBefore = listing();
      const failed = await run([items[0]], new FaultyAuditctl({ failDelete: true }));
      assert.equal(failed.state, 'failed');
      assert.match(failed.message, /previous rules file was restored/);
      assert.equal(fs.readFileSync(path.join(rulesDir, AGENT_AUDITD_RULES_FILE_NAME), 'utf8'), fileBefore);
      assert.equal(listing(), kernelBefore);

      // Immutable audit: reported, nothing touched.
      const locked = await run([], new FaultyAuditctl({ enabled: 2 }));
      assert.equal(locked.state, 'immutable');
      assert.equal(listing(), kernelBefore);
      assert.equal(fs.readFileSync(path.join(rulesDir, AGENT_AUDITD_RULES_FILE_NAME), 'utf8'), fileBefore);

      // Nothing approved any more (the set rejected): every rule of ours goes, and the file.
      const none = await run([]);
      assert.equal(none.state, 'applied');
      assert.deepEqual(agentRulesInListing(listing()), []);
      assert.ok(!fs.existsSync(path.join(rulesDir, AGENT_AUDITD_RULES_FILE_NAME)));
      assert.deepEqual(hostRules(listing()), hostBefore);
    } finally {
      deleteOurRules();
      spawnSync('auditctl', ['-d', ...hostRule.slice(1)]);
      spawnSync('auditctl', ['-d', ...hostExclusion.slice(1)]);
      fs.rmSync(root, { recursive: true, force: true });
    }
    assert.equal(listing(), initial, 'the kernel rules are as they were');
  },
);
