import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { AgentServiceClient, AuditdApplyReport, AuditdExclusionItem } from '@fleettune/proto';
import { readJsonFile, writeFileAtomic } from '../state/atomic-file';
import { Auditctl } from './auditctl';
import { AuditdApplyResult, applyAuditdExclusions } from './auditd-exclusion-applier';
import { fetchAuditdExclusions, reportAuditdApply } from './auditd-exclusions-client';

/** What the agent keeps between runs: the set it last fetched (to send its etag) and the last report sent. */
interface AppliedState {
  etag: string;
  setId: string;
  setVersion: number;
  items: AuditdExclusionItem[];
  /** Digest of the last report the hub accepted: an unchanged result is not sent again. */
  reportedDigest?: string;
}

export interface AuditdApplyCycleOptions {
  client: AgentServiceClient;
  token: string;
  hostId: string;
  stateDir: string;
  rulesDir: string;
  auditctl: Auditctl;
  dryRun?: boolean;
  log: (msg: string) => void;
}

export interface AuditdApplyCycle {
  result: AuditdApplyResult;
  setVersion: number;
  etag: string;
  /** The fetch answered `unchanged`. */
  unchanged: boolean;
  reported: boolean;
}

/**
 * One round: fetch the approved auditd items (sending the etag of the ones held, so an unchanged set
 * costs one small answer), apply them (idempotent: with the kernel and file already right it changes
 * nothing), and report the result when it differs from the last report the hub took. A hub that cannot
 * be reached changes nothing on the host (the rules in force stay). A dry run neither writes nor reports.
 */
export async function runAuditdApplyCycle(o: AuditdApplyCycleOptions): Promise<AuditdApplyCycle> {
  const stateFile = path.join(o.stateDir, 'auditd-exclusions.json');
  const held = readJsonFile<AppliedState>(stateFile);
  const answer = await fetchAuditdExclusions(o.client, o.token, o.hostId, held?.etag ?? '');
  const unchanged = answer.unchanged && held !== undefined && held.etag === answer.etag;
  const current: AppliedState = unchanged
    ? held
    : { etag: answer.etag, setId: answer.setId, setVersion: answer.setVersion, items: answer.items, reportedDigest: undefined };
  const result = await applyAuditdExclusions({
    items: current.items,
    setVersion: current.setVersion,
    etag: current.etag,
    rulesDir: o.rulesDir,
    auditctl: o.auditctl,
    dryRun: o.dryRun,
  });
  if (o.dryRun) return { result, setVersion: current.setVersion, etag: current.etag, unchanged, reported: false };
  const report: AuditdApplyReport = {
    hostId: o.hostId,
    etag: current.etag,
    setId: current.setId,
    setVersion: current.setVersion,
    state: result.state,
    message: result.message,
    lines: result.lines,
  };
  const digest = createHash('sha256').update(JSON.stringify(report)).digest('hex');
  let reported = false;
  if (digest !== current.reportedDigest) {
    try {
      await reportAuditdApply(o.client, o.token, report);
      current.reportedDigest = digest;
      reported = true;
    } catch (err) {
      // Sent again next round: the digest is kept only once the hub took it.
      o.log(`auditd exclusions: report to the hub failed (${(err as Error).message}); retried next round`);
    }
  }
  writeFileAtomic(stateFile, JSON.stringify(current), 0o600);
  return { result, setVersion: current.setVersion, etag: current.etag, unchanged, reported };
}

/** One line for the log / terminal. */
export function describeCycle(c: AuditdApplyCycle): string {
  const count = (o: string) => c.result.lines.filter((l) => l.outcome === o).length;
  return (
    `auditd exclusions of set version ${c.setVersion}${c.unchanged ? ' (unchanged)' : ''}: ${c.result.state}, ` +
    `${count('applied')} applied, ${count('skipped')} skipped, ${count('failed')} failed${c.result.message ? ` (${c.result.message})` : ''}`
  );
}

/**
 * `run --apply-auditd-exclusions` and `apply-exclusions` without --once: a round now and then every
 * `intervalMs` until stopped; a failed round (hub unreachable...) is logged and retried next time.
 */
export function startAuditdApplyLoop(o: AuditdApplyCycleOptions & { intervalMs: number }): { stop(): Promise<void> } {
  let stopped = false;
  let wake: (() => void) | undefined;
  let last = '';
  const done = (async () => {
    while (!stopped) {
      try {
        const c = await runAuditdApplyCycle(o);
        const line = describeCycle(c);
        // Logged when something changed, not every round.
        if (line !== last || c.reported) o.log(line);
        last = line;
      } catch (err) {
        o.log(`auditd exclusions: ${(err as Error).message}; retried in ${Math.round(o.intervalMs / 1000)} s`);
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, o.intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    stop: () => {
      stopped = true;
      wake?.();
      return done;
    },
  };
}
