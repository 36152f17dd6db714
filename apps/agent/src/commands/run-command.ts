import { Command, InvalidArgumentError, Option } from 'commander';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { countFileIntoWindows, SUPPORTED_RUN_SOURCES } from '../pipeline/count-file';
import { BatchSpool } from '../spool/batch-spool';
import { AgentCredentials, AgentStateDir } from '../state/agent-state-dir';
import { machineIdFor, platformOs } from '../state/host-identity';
import { createHubClient, enrollWithHub } from '../uplink/hub-client';
import { HubUplink } from '../uplink/hub-uplink';
import { windowToBatch } from '../uplink/window-batch';
import { AGENT_VERSION } from '../version';

interface RunOptions {
  hub: string;
  enrollSecret?: string;
  source: string;
  input: string;
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
  });
  const creds: AgentCredentials = { hub: o.hub, agentId: res.agentId, hostId: res.hostId, agentToken: res.agentToken, hostname: o.hostname };
  state.saveCredentials(creds);
  log(`enrolled as host ${res.hostId} (${o.hostname})`);
  return creds;
}

/**
 * Counts the input from its checkpoint to its current end into the spool,
 * then moves the checkpoint. Returns the number of batches spooled.
 */
async function spoolNewInput(o: RunOptions, state: AgentStateDir, spool: BatchSpool, hostId: string): Promise<number> {
  const inputPath = path.resolve(o.input);
  const st = fs.statSync(inputPath);
  const fileId = `${st.dev}:${st.ino}`;
  const key = `${o.source}:${inputPath}`;
  const cp = state.loadCheckpoint(key);
  const start = cp && cp.fileId === fileId && cp.offset <= st.size ? cp.offset : 0;
  if (start >= st.size) return 0;
  const { windows, endOffset } = await countFileIntoWindows(o.source, inputPath, start, o.windowSeconds * 1000, o.once);
  for (const w of windows) spool.append(windowToBatch(hostId, w));
  // The checkpoint moves only after the batches are durable in the spool.
  state.saveCheckpoint(key, { fileId, offset: endOffset });
  return windows.length;
}

async function run(o: RunOptions): Promise<void> {
  if (o.input === '-') throw new Error('run reads a file (use `report` for stdin)');
  if (!fs.existsSync(o.input)) throw new Error(`input ${o.input} does not exist`);
  const state = new AgentStateDir(o.stateDir);
  const client = createHubClient(o.hub);
  try {
    const creds = await ensureEnrolled(state, o, client);
    const spool = new BatchSpool(state.spoolDir);
    const pendingBefore = spool.unacked().length;
    if (pendingBefore) log(`${pendingBefore} unacknowledged batches in the spool will be resent`);
    const uplink = new HubUplink(client, spool, creds.agentToken, { log });
    const spooled = await spoolNewInput(o, state, spool, creds.hostId);
    log(`spooled ${spooled} window batches from ${o.input}`);
    if (o.once) {
      await uplink.drain();
      log(`all batches acknowledged (sequence ${spool.stats().ackedThrough})`);
      spool.close();
      return;
    }
    const forever = uplink.runForever();
    const stop = () => uplink.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const timer = setInterval(() => {
      spoolNewInput(o, state, spool, creds.hostId).then(
        (n) => n > 0 && uplink.notify(),
        (err: unknown) => log(`reading ${o.input} failed: ${(err as Error).message}`),
      );
    }, o.pollSeconds * 1000);
    await forever;
    clearInterval(timer);
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
    .requiredOption('--input <file>', 'log file to read (followed for growth unless --once)')
    .option('--hostname <name>', 'host name to report (simulates a fleet from one machine)', os.hostname())
    .option('--state-dir <dir>', 'credentials, checkpoints and spool', defaultStateDir())
    .option('--once', 'exit 0 once every batch of the input is acknowledged', false)
    .option('--window-seconds <n>', 'length of a count window', positiveInt, 60)
    .option('--poll-seconds <n>', 'how often a followed file is checked for growth', positiveInt, 2)
    .action(async (o: RunOptions) => {
      await run(o);
    });
}
