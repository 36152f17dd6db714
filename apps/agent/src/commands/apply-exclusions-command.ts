import { Command, InvalidArgumentError } from 'commander';
import * as os from 'node:os';
import * as path from 'node:path';
import { AGENT_AUDITD_RULES_FILE_NAME, auditctlArgs } from '@fleettune/exporters';
import { AgentStateDir } from '../state/agent-state-dir';
import { createHubClient, hubChannelCredentials } from '../uplink/hub-client';
import { SystemAuditctl } from '../auditd-apply/auditctl';
import { DEFAULT_AUDIT_RULES_DIR } from '../auditd-apply/auditd-exclusion-applier';
import { AuditdApplyCycle, describeCycle, runAuditdApplyCycle, startAuditdApplyLoop } from '../auditd-apply/auditd-apply-loop';

interface ApplyExclusionsOptions {
  hub: string;
  stateDir: string;
  once: boolean;
  dryRun: boolean;
  intervalSeconds: number;
  rulesDir: string;
  tls: boolean;
  plaintext: boolean;
}

const log = (msg: string) => process.stderr.write(`fleettune-agent: ${msg}\n`);

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function defaultStateDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/fleettune-agent' : path.join(os.homedir(), '.local', 'state', 'fleettune-agent');
}

/** What a dry run would do, one line per rule: add / keep / delete, then the skipped items with why. */
function printDryRun(c: AuditdApplyCycle, rulesDir: string): void {
  const out: string[] = [`# dry run: ${describeCycle(c)}`, `# would write ${path.join(rulesDir, AGENT_AUDITD_RULES_FILE_NAME)} and load:`];
  const adding = new Set(c.result.wouldAdd.map((r) => r.line));
  for (const l of c.result.lines) {
    if (l.outcome === 'applied') out.push(`${adding.has(l.rule) ? 'add ' : 'keep'} ${l.rule}`);
  }
  for (const t of c.result.wouldDelete) out.push(`delete auditctl ${auditctlArgs('delete', t).join(' ')}`);
  for (const l of c.result.lines) if (l.outcome === 'skipped') out.push(`skip ${l.type} ${JSON.stringify(l.value)}: ${l.reason}`);
  process.stdout.write(out.join('\n') + '\n');
}

async function applyExclusions(o: ApplyExclusionsOptions): Promise<void> {
  const state = new AgentStateDir(o.stateDir);
  const creds = state.loadCredentials();
  if (!creds) throw new Error(`no agent credentials in ${o.stateDir}: enroll first with fleettune-agent run --hub ${o.hub} ...`);
  // The token belongs to the hub that issued it: never sent anywhere else.
  if (creds.hub !== o.hub) throw new Error(`the credentials in ${o.stateDir} are for hub ${creds.hub}, not ${o.hub}`);
  const client = createHubClient(o.hub, hubChannelCredentials(o.hub, o));
  const cycle = { client, token: creds.agentToken, hostId: creds.hostId, stateDir: state.dir, rulesDir: o.rulesDir, auditctl: new SystemAuditctl(), log };
  try {
    if (o.once || o.dryRun) {
      const c = await runAuditdApplyCycle({ ...cycle, dryRun: o.dryRun });
      if (o.dryRun) printDryRun(c, o.rulesDir);
      else log(describeCycle(c));
      if (!o.dryRun && (c.result.state === 'failed' || c.result.state === 'unavailable')) process.exitCode = 1;
      return;
    }
    const loop = startAuditdApplyLoop({ ...cycle, intervalMs: o.intervalSeconds * 1000 });
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await loop.stop();
  } finally {
    client.close();
  }
}

export function registerApplyExclusionsCommand(program: Command): void {
  program
    .command('apply-exclusions')
    .description(
      `Apply the hub's approved auditd exclusions on this host: ${AGENT_AUDITD_RULES_FILE_NAME} in the rules dir with the rules whose paths exist here, ` +
        'loaded with auditctl and verified, the result reported to the hub. Only rules it wrote (key fleettune-applied) are ever deleted; ' +
        'nothing is changed while audit is immutable (enabled 2). Needs root and an agent enrolled by `run`.',
    )
    .requiredOption('--hub <host:port>', 'hub gRPC address (the one the agent enrolled with)')
    .option('--state-dir <dir>', 'the agent state dir holding its credentials', defaultStateDir())
    .option('--once', 'one round, then exit (1 when the load failed or auditctl is unusable)', false)
    .option('--dry-run', 'print what would be added, kept, deleted and skipped; write, load and report nothing', false)
    .option('--interval-seconds <n>', 'without --once: how often the hub is asked for changes', positiveInt, 300)
    .option('--rules-dir <dir>', 'where the rules file goes', DEFAULT_AUDIT_RULES_DIR)
    .option('--tls', 'TLS to the hub even on loopback (as for run)', false)
    .option('--plaintext', 'no TLS even to a non-loopback hub (as for run)', false)
    .action(async (o: ApplyExclusionsOptions) => {
      await applyExclusions(o);
    });
}
