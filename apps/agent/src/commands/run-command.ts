import { Command, InvalidArgumentError, Option } from 'commander';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { countAudispStream } from '../live/audisp-stream';
import { LiveAuditFollower } from '../live/live-audit-follower';
import { spoolSink } from '../live/window-sink';
import { SUPPORTED_RUN_SOURCES } from '../pipeline/count-file';
import { startHostCost } from '../cost/host-cost-hook';
import { BatchSpool } from '../spool/batch-spool';
import { AgentCredentials, AgentStateDir } from '../state/agent-state-dir';
import { machineIdFor, platformOs } from '../state/host-identity';
import { createHubClient, enrollWithHub } from '../uplink/hub-client';
import { HubUplink } from '../uplink/hub-uplink';
import { AGENT_VERSION } from '../version';

interface RunOptions {
  hub: string;
  enrollSecret?: string;
  source: string;
  input?: string;
  audisp: boolean;
  hostname: string;
  stateDir: string;
  once: boolean;
  windowSeconds: number;
  pollSeconds: number;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function hubAddress(v: string): string {
  if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(v)) throw new InvalidArgumentError('must be host:port');
  return v;
}

function defaultStateDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/fleettune-agent' : path.join(os.homedir(), '.local', 'state', 'fleettune-agent');
}

const log = (msg: string) => process.stderr.write(`fleettune-agent: ${msg}\n`);

async function ensureEnrolled(state: AgentStateDir, o: RunOptions, client: ReturnType<typeof createHubClient>): Promise<AgentCredentials> {
  const existing = state.loadCredentials();
  if (existing && existing.hub === o.hub && existing.hostname === o.hostname) return existing;
  if (!o.enrollSecret) {
    throw new Error(`not enrolled with ${o.hub} yet: pass --enroll-secret (or FLEETTUNE_ENROLL_SECRET)`);
  }
  const res = await enrollWithHub(client, {
    enrollSecret: o.enrollSecret,
    hostname: o.hostname,
    os: platformOs(),
    agentVersion: AGENT_VERSION,
    machineId: machineIdFor(o.hostname),
  }, { log });
  const creds: AgentCredentials = { hub: o.hub, agentId: res.agentId, hostId: res.hostId, agentToken: res.agentToken, hostname: o.hostname };
  state.saveCredentials(creds);
  log(`enrolled as host ${res.hostId} (${o.hostname})`);
  return creds;
}

/**
 * Opens the followed input (from its live checkpoint, or from the offset an
 * older agent saved in checkpoints.json) and delivers what its checkpoint
 * had completed but not yet spooled.
 */
function openFollower(o: RunOptions, input: string, state: AgentStateDir, spool: BatchSpool, hostId: string): LiveAuditFollower {
  const legacy = state.loadCheckpoint(`${o.source}:${input}`);
  return new LiveAuditFollower({
    source: o.source,
    input,
    stateDir: state.dir,
    sink: spoolSink(spool, hostId),
    windowMs: o.windowSeconds * 1000,
    log,
    initialPosition: legacy && { fileId: legacy.fileId, offset: legacy.offset, head: '' },
  });
}

async function run(o: RunOptions): Promise<void> {
  const audisp = o.audisp || o.input === '-';
  if (!audisp && !o.input) throw new Error('pass --input <file> (or --audisp / --input - to read an auditd plugin stream on stdin)');
  if (!audisp && !fs.existsSync(o.input!)) throw new Error(`input ${o.input} does not exist`);
  const state = new AgentStateDir(o.stateDir);
  const client = createHubClient(o.hub);
  try {
    const creds = await ensureEnrolled(state, o, client);
    const spool = new BatchSpool(state.spoolDir);
    startHostCost(spool, { windowMs: o.windowSeconds * 1000, log }); // issue 9: product CPU/RSS + auditd health on every batch
    const pendingBefore = spool.unacked().length;
    if (pendingBefore) log(`${pendingBefore} unacknowledged batches in the spool will be resent`);
    const uplink = new HubUplink(client, spool, creds.agentToken, { log });
    const stop = () => uplink.stop();

    if (audisp) {
      // auditd plugin: records on stdin until auditd closes it or stops us.
      const forever = uplink.runForever();
      const onTerm = () => process.stdin.destroy();
      process.once('SIGINT', onTerm);
      process.once('SIGTERM', onTerm);
      const r = await countAudispStream(process.stdin as AsyncIterable<Buffer>, {
        source: o.source,
        windowMs: o.windowSeconds * 1000,
        sink: spoolSink(spool, creds.hostId),
        onWindows: () => uplink.notify(),
      });
      log(`stdin ended: ${r.events} events, ${r.skipped} skipped lines, ${r.windows} window batches`);
      // Give the uplink a moment to send the last windows; what it cannot is kept in the spool for the next start.
      uplink.notify();
      const deadline = Date.now() + 10_000;
      while (spool.unacked().length > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
      stop();
      await forever;
      process.off('SIGINT', onTerm);
      process.off('SIGTERM', onTerm);
      spool.close();
      return;
    }

    const follower = openFollower(o, path.resolve(o.input!), state, spool, creds.hostId);
    if (o.once) {
      const spooled = follower.finish();
      follower.close();
      log(`spooled ${spooled} window batches from ${o.input}`);
      await uplink.drain();
      log(`all batches acknowledged (sequence ${spool.stats().ackedThrough})`);
      spool.close();
      return;
    }
    const forever = uplink.runForever();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let busy = false;
    const poll = () => {
      if (busy) return;
      busy = true;
      try {
        // Catching up on a large file: one slice per turn so the uplink keeps running.
        const r = follower.step();
        if (r.windows > 0) uplink.notify();
        if (r.bytes > 0) setImmediate(() => { busy = false; poll(); });
        else busy = false;
      } catch (err) {
        busy = false;
        log(`reading ${o.input} failed: ${(err as Error).message}`);
      }
    };
    poll();
    const timer = setInterval(poll, o.pollSeconds * 1000);
    await forever;
    clearInterval(timer);
    follower.close();
    spool.close();
  } finally {
    client.close();
  }
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Enroll with a hub and stream window counts of a source to it')
    .requiredOption('--hub <host:port>', 'hub gRPC address', hubAddress)
    .addOption(new Option('--enroll-secret <secret>', 'enrollment secret (first run only)').env('FLEETTUNE_ENROLL_SECRET'))
    .addOption(new Option('--source <name>', 'event source').choices(SUPPORTED_RUN_SOURCES).default('linux-audit'))
    .option('--input <file|->', "log file to follow across rotation (read to its end and exit with --once); '-' = auditd plugin stream on stdin")
    .option('--audisp', 'auditd plugin mode: read audit records from stdin until it closes (same as --input -)', false)
    .option('--hostname <name>', 'host name to report (simulates a fleet from one machine)', os.hostname())
    .option('--state-dir <dir>', 'credentials, checkpoints and spool', defaultStateDir())
    .option('--once', 'exit 0 once every batch of the input is acknowledged', false)
    .option('--window-seconds <n>', 'length of a count window', positiveInt, 60)
    .option('--poll-seconds <n>', 'how often a followed file is checked for growth', positiveInt, 2)
    .action(async (o: RunOptions) => {
      await run(o);
    });
}
