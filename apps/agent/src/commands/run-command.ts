import { Command, InvalidArgumentError, Option } from 'commander';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { countAudispStream } from '../live/audisp-stream';
import { InputWarnings } from '../live/input-warnings';
import { LIVE_SOURCES, LiveSourceRunner, LiveSourceSpec, makeLiveSourceRunner, parseLiveSources } from '../live/live-source-runners';
import { MDATP_RTP_COMMAND_ENV } from '../live/mdatp-rtp-poller';
import { spoolSink } from '../live/window-sink';
import { ProgramFormatCache } from '../live/program-format-cache';
import { startHostCost } from '../cost/host-cost-hook';
import { BatchSpool, spoolMaxBytes } from '../spool/batch-spool';
import { pausableSources } from '../watchdog/pausable-sources';
import { cliResourceLimits, nonNegativeNumber, startWatchdog } from '../watchdog/start-watchdog';
import { AgentCredentials, AgentStateDir } from '../state/agent-state-dir';
import { dnsHostName, machineIdFor, platformOs } from '../state/host-identity';
import { ARGV_SECRET_WARNING, EnrollSecretSpec, enrollSecretSpec } from '../state/enroll-secret';
import { AgentPlatform, parsePlatform, platformMismatch } from '../state/source-platforms';
import { parseHubAddresses, sameHub } from '../uplink/hub-addresses';
import { createHubClient, enrollWithHub, hubChannelCredentials } from '../uplink/hub-client';
import { isLoopbackHub } from '../uplink/hub-tls';
import { HubUplink } from '../uplink/hub-uplink';
import { AGENT_VERSION } from '../version';
import { ACCOUNTS_FILE_ENV } from '../privacy/local-account-database';
import { SystemAuditctl } from '../auditd-apply/auditctl';
import { startAuditdApplyLoop } from '../auditd-apply/auditd-apply-loop';
import { DEFAULT_AUDIT_RULES_DIR } from '../auditd-apply/auditd-exclusion-applier';
import { REDACT_HOSTNAME_ENV, REDACT_USERS_ENV, reportedHostname, userRedactorFor } from '../privacy/privacy-mode';

interface RunOptions {
  redactUsers: boolean;
  redactHostname: boolean;
  accountsFile?: string;
  hub: string;
  enrollSecret?: string;
  enrollSecretFile?: string;
  tls: boolean;
  plaintext: boolean;
  /** Repeatable: `name` or `name=input`. */
  source: string[];
  input?: string;
  mdatpCommand?: string;
  audisp: boolean;
  hostname: string;
  /** --hostname as given, before dnsHostName(). */
  osHostname?: string;
  /** The platform the host enrolls as: this host's, or another's whose captures are replayed. */
  platform: AgentPlatform;
  stateDir: string;
  once: boolean;
  windowSeconds: number;
  pollSeconds: number;
  spoolMaxMb?: number;
  maxCpuPercent: number;
  maxRssMb: number;
  applyAuditdExclusions: boolean;
  auditdRulesDir: string;
  auditdIntervalSeconds: number;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function hubAddress(v: string): string {
  try {
    return parseHubAddresses(v).join(',');
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function defaultStateDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/fleettune-agent' : path.join(os.homedir(), '.local', 'state', 'fleettune-agent');
}

const log = (msg: string) => process.stderr.write(`fleettune-agent: ${msg}\n`);

/**
 * `hostname` is the name the hub is told (a pseudonym under
 * --redact-hostname); the machine id is still derived from the real one, so
 * turning the mode on re-enrolls the same host record under its new name.
 */
async function ensureEnrolled(
  state: AgentStateDir,
  o: RunOptions,
  hostname: string,
  secret: EnrollSecretSpec,
  client: ReturnType<typeof createHubClient>,
): Promise<AgentCredentials> {
  const existing = state.loadCredentials();
  // An agent enrolled before host names had to be DNS names keeps its credentials; a change of --platform enrolls again.
  if (existing && sameHub(existing.hub, o.hub) && (existing.hostname === hostname || (hostname === o.hostname && existing.hostname === o.osHostname))) {
    const enrolledAs = existing.os ?? platformOs();
    // The hub keeps a host's platform from its enrollment and never re-enrolls a machine by itself.
    if (enrolledAs !== o.platform) {
      throw new Error(
        `this host enrolled as ${enrolledAs}; --platform ${o.platform} would count its data in the other platform's set: replay another platform's captures as a host of their own (--hostname NAME --state-dir DIR)`,
      );
    }
    // A replica added to or removed from --hub: the same hub cluster, so the same credentials, now under the new list.
    if (existing.hub !== o.hub) state.saveCredentials({ ...existing, hub: o.hub });
    return existing;
  }
  const enrollSecret = secret.read();
  if (!enrollSecret) {
    throw new Error(`not enrolled with ${o.hub} yet: pass --enroll-secret-file FILE (or FLEETTUNE_ENROLL_SECRET)`);
  }
  const res = await enrollWithHub(
    client,
    {
      enrollSecret,
      hostname,
      os: o.platform,
      agentVersion: AGENT_VERSION,
      machineId: machineIdFor(o.hostname),
      installKey: state.installKey(),
    },
    { log },
  );
  const creds: AgentCredentials = { hub: o.hub, agentId: res.agentId, hostId: res.hostId, agentToken: res.agentToken, hostname, os: o.platform };
  state.saveCredentials(creds);
  log(`enrolled as host ${res.hostId} (${hostname}, ${o.platform})`);
  secret.forget(log);
  return creds;
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Waits (up to `ms`) for the uplink to send what is spooled; what it cannot is kept for the next start. */
async function settle(spool: BatchSpool, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (spool.stats().pending > 0 && Date.now() < deadline) await sleep(100);
}

async function run(o: RunOptions): Promise<void> {
  const specs = parseLiveSources(o.source.length ? o.source : ['linux-audit'], o.audisp ? (o.input ?? '-') : o.input);
  const audisp = specs.length === 1 && specs[0].name === 'linux-audit' && specs[0].input === '-';
  if (o.audisp && !audisp) throw new Error('--audisp reads one linux-audit stream on stdin: use it with a single --source linux-audit');
  if (specs.some((s) => s.name === 'linux-audit' && s.input === undefined)) {
    throw new Error('pass --input <file> (or --audisp / --input - to read an auditd plugin stream on stdin)');
  }
  for (const s of specs) {
    if (s.input !== undefined && s.input !== '-' && !fs.existsSync(s.input)) throw new Error(`input ${s.input} does not exist`);
    if (o.once && s.input === undefined && s.name !== 'mdatp-rtp')
      throw new Error(`--once needs an input file for ${s.name}: a spawned tool never ends by itself`);
  }
  const secret = enrollSecretSpec(o);
  if (secret.source === 'argv') log(ARGV_SECRET_WARNING);
  const reported = dnsHostName(o.hostname);
  if (reported !== o.hostname) log(`host name ${JSON.stringify(o.hostname)} is not a DNS name; reporting ${reported}`);
  o.osHostname = o.hostname;
  o.hostname = reported;
  if (o.plaintext && !isLoopbackHub(o.hub)) log(`WARNING: --plaintext to ${o.hub}: the agent token and enrollment secret cross the network in clear text`);
  for (const s of specs) {
    const mismatch = platformMismatch(s.name, o.platform);
    if (mismatch) log(`WARNING: ${mismatch}`);
  }
  const state = new AgentStateDir(o.stateDir);
  if (state.tightenedFrom !== undefined) log(`state dir ${o.stateDir} was mode ${state.tightenedFrom.toString(8)}; tightened to 700`);
  // Issue 18: with --redact-users nothing per-user is spooled (spoolSink) or sent (uplink, for older spooled batches).
  const redactor = userRedactorFor(o, log);
  // Issue 19 item 4: each executed program's file format (script or binary) is read here, on the host that ran it;
  // replaying another platform's captures, the files at those paths are not the ones that ran.
  const formats = o.platform === platformOs() ? new ProgramFormatCache() : undefined;
  const hostname = dnsHostName(reportedHostname(o.hostname, o, state.dir, redactor));
  const client = createHubClient(o.hub, hubChannelCredentials(o.hub, o));
  let auditdLoop: { stop(): Promise<void> } | undefined;
  try {
    const creds = await ensureEnrolled(state, o, hostname, secret, client);
    // Issue 14: the approved auditd exclusions applied on this host beside the counting (apply-exclusions in a loop).
    if (o.applyAuditdExclusions) {
      auditdLoop = startAuditdApplyLoop({
        client,
        token: creds.agentToken,
        hostId: creds.hostId,
        stateDir: state.dir,
        rulesDir: o.auditdRulesDir,
        auditctl: new SystemAuditctl(),
        log,
        intervalMs: o.auditdIntervalSeconds * 1000,
      });
    }
    const spool = new BatchSpool(state.spoolDir, { maxBytes: spoolMaxBytes(o.spoolMaxMb), log }); // issue 7: bounded (merge, then drop counted)
    const watchdogOptions = { baseWindowMs: o.windowSeconds * 1000, limits: cliResourceLimits(o), spool, log: (l: string) => log(`watchdog ${l}`) };
    startHostCost(spool, { windowMs: o.windowSeconds * 1000, log }); // issue 9: product CPU/RSS + auditd health on every batch
    const pendingBefore = spool.stats().pending;
    if (pendingBefore) log(`${pendingBefore} unacknowledged batches in the spool will be resent`);
    const uplink = new HubUplink(client, spool, creds.agentToken, { log, redactor, onPolicyRefusal: o.once ? 'stop' : 'retry' });
    const warnings = new InputWarnings(log);
    uplink.reportInputWarnings(() => warnings.list());
    const stop = () => uplink.stop();

    if (audisp) {
      // auditd plugin: records on stdin until auditd closes it or stops us.
      const forever = uplink.runForever();
      const watchdog = startWatchdog(watchdogOptions);
      uplink.reportDegradeState(watchdog.controller);
      const onTerm = () => process.stdin.destroy();
      process.once('SIGINT', onTerm);
      process.once('SIGTERM', onTerm);
      const r = await countAudispStream(process.stdin as AsyncIterable<Buffer>, {
        source: specs[0].name,
        windowMs: o.windowSeconds * 1000,
        sink: spoolSink(spool, creds.hostId, redactor, formats),
        onWindows: () => uplink.notify(),
      });
      log(`stdin ended: ${r.events} events, ${r.skipped} skipped lines, ${r.windows} window batches`);
      // Give the uplink a moment to send the last windows; what it cannot is kept in the spool for the next start.
      watchdog.stop();
      uplink.notify();
      await settle(spool, 10_000);
      stop();
      await forever;
      process.off('SIGINT', onTerm);
      process.off('SIGTERM', onTerm);
      spool.close();
      return;
    }

    // Every source counts on its own (windows, checkpoint); they share the one spool and uplink.
    const makeRunner = (spec: LiveSourceSpec): LiveSourceRunner =>
      makeLiveSourceRunner(spec, {
        stateDir: state.dir,
        sink: spoolSink(spool, creds.hostId, redactor, formats),
        windowMs: o.windowSeconds * 1000,
        pollSeconds: o.pollSeconds,
        mdatpCommand: o.mdatpCommand,
        stdin: process.stdin as AsyncIterable<Buffer> & { destroy(): void },
        log,
        warnings,
        notify: () => uplink.notify(),
        legacyPosition: (spec: LiveSourceSpec) => {
          // The offset an older agent saved in checkpoints.json.
          const legacy = state.loadCheckpoint(`${spec.name}:${path.resolve(spec.input!)}`);
          return legacy && { fileId: legacy.fileId, offset: legacy.offset, head: '' };
        },
      });
    const runners = specs.map(makeRunner);
    if (o.once) {
      for (const r of runners) log(`spooled ${await r.once()} window batches from ${r.label}`);
      await uplink.drain();
      log(`all batches acknowledged (sequence ${spool.stats().ackedThrough})`);
      spool.close();
      return;
    }
    const forever = uplink.runForever();
    // Issue 7 watchdog: over its CPU/RSS limits the agent sends coarser windows, then pauses the last-listed sources.
    const live = pausableSources(runners, (i) => makeRunner(specs[i]));
    const watchdog = startWatchdog({ ...watchdogOptions, pausable: live });
    uplink.reportDegradeState(watchdog.controller);
    let stopping = false;
    const stopAll = () => {
      if (stopping) return;
      stopping = true;
      for (const r of live) r.stop();
    };
    process.once('SIGINT', stopAll);
    process.once('SIGTERM', stopAll);
    await Promise.all(
      live.map((r) =>
        r.run().catch((err: Error) => {
          // One source failing (e.g. fatrace not allowed) does not stop the others.
          log(`${r.label} stopped: ${err.message}`);
        }),
      ),
    );
    stopAll();
    process.off('SIGINT', stopAll);
    process.off('SIGTERM', stopAll);
    watchdog.stop();
    // The windows spooled on stop: give the uplink a moment to send them.
    uplink.notify();
    await settle(spool, 10_000);
    stop();
    await forever;
    spool.close();
  } finally {
    await auditdLoop?.stop();
    client.close();
  }
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Enroll with a hub and stream window counts of a source to it')
    .requiredOption(
      '--hub <host:port[,host:port...]>',
      'hub gRPC address; several hub replicas comma-separated, or a DNS name with several records: the agent picks one at random and moves to another when it dies or drains',
      hubAddress,
    )
    .option('--enroll-secret-file <file>', 'file holding the enrollment secret (first run only; deleted after enrolling). Or FLEETTUNE_ENROLL_SECRET')
    .option('--enroll-secret <secret>', 'enrollment secret on the command line: visible to every local user in ps, prefer --enroll-secret-file')
    .option(
      '--tls',
      'TLS to the hub even on loopback, verified against the system roots (FLEETTUNE_HUB_CA_FILE: a CA of your own); default for non-loopback hubs',
      false,
    )
    .option('--plaintext', 'no TLS even to a non-loopback hub (tokens and the secret in clear text; for a TLS-terminating sidecar on the path)', false)
    .addOption(
      new Option(
        '--source <name[=input]>',
        `event source, repeatable for several sources in one agent (${LIVE_SOURCES.join(', ')}); ` +
          'name=FILE gives that source its own input; fanotify/eslogger without an input spawn fatrace/eslogger, mdatp-rtp polls mdatp',
      )
        .argParser((v: string, prev: string[]) => [...prev, v])
        .default([], 'linux-audit'),
    )
    .option(
      '--input <file|->',
      "log file to follow across rotation (read to its end and exit with --once) for a single --source; '-' = stdin (linux-audit: auditd plugin stream)",
    )
    .option('--audisp', 'auditd plugin mode: read audit records from stdin until it closes (same as --input -)', false)
    .option('--hostname <name>', 'host name to report (simulates a fleet from one machine)', os.hostname())
    .option(
      '--platform <darwin|linux>',
      "platform the host enrolls as, for replaying another host's captures (a Mac's support bundle read on a Linux box); default: this host's",
      parsePlatform,
      platformOs(),
    )
    .option('--state-dir <dir>', 'credentials, checkpoints and spool', defaultStateDir())
    .option('--once', 'exit 0 once every batch of the input is acknowledged', false)
    .option('--window-seconds <n>', 'length of a count window', positiveInt, 60)
    .option('--poll-seconds <n>', 'how often a followed file is checked for growth, and mdatp-rtp polled', positiveInt, 2)
    .addOption(
      new Option(
        '--spool-max-mb <n>',
        'size bound of the spool: past it, unsent windows are merged, then the oldest dropped (counted, reported to the hub) [default: 256]',
      )
        .env('FLEETTUNE_SPOOL_MAX_MB')
        .argParser(nonNegativeNumber),
    )
    .option('--max-cpu-percent <n>', 'watchdog: CPU limit, % of one core averaged over a minute (0 = none); over it the agent degrades', nonNegativeNumber, 10)
    .option('--max-rss-mb <n>', 'watchdog: memory (RSS) limit in MB (0 = none); over it the agent degrades', nonNegativeNumber, 200)
    .option(
      '--redact-users',
      `privacy mode (also ${REDACT_USERS_ENV}=1): home and per-user path segments become *, user names a class (local, system:<name>), before anything is spooled`,
      false,
    )
    .option('--redact-hostname', `send a keyed hash of the host name instead of the name (also ${REDACT_HOSTNAME_ENV}=1; key in the state dir)`, false)
    .option(
      '--apply-auditd-exclusions',
      'also apply the approved auditd exclusions on this host, as `apply-exclusions` does (root; rules only for paths present here)',
      false,
    )
    .option('--auditd-rules-dir <dir>', 'with --apply-auditd-exclusions: where 10-fleettune.rules goes', DEFAULT_AUDIT_RULES_DIR)
    .option('--auditd-interval-seconds <n>', 'with --apply-auditd-exclusions: how often the hub is asked for changes', positiveInt, 300)
    .addOption(
      new Option('--accounts-file <passwd file>', 'local account database for --redact-users (default: /etc/passwd; dscl on macOS)').env(ACCOUNTS_FILE_ENV),
    )
    .addOption(
      new Option(
        '--mdatp-command <shell command>',
        'command printing mdatp real-time-protection-statistics JSON (default: mdatp diagnostic real-time-protection-statistics --output json)',
      ).env(MDATP_RTP_COMMAND_ENV),
    )
    .action(async (o: RunOptions) => {
      await run(o);
    });
}
