/**
 * The agent's .deb on this machine, for real: built by tools/packaging/build-agent-packages.sh from the
 * single executable, `dpkg -i`, `systemd-analyze verify`, the installed agent run the way the unit's
 * ExecStart= runs it (systemd is not PID 1 here, so not through `systemctl start`) with agent.env
 * against a hub process, an upgrade that must keep the state dir, `dpkg -r` and `dpkg -P`; and the
 * .rpm checked with `rpm -qlp` / `rpm -K`. Root, dpkg, rpm and systemd-analyze needed; skipped with
 * the reason otherwise. It installs and purges the package `fleettune-agent` on this machine, and
 * refuses to touch one it did not install.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { createMigratedTestDatabase, TestDatabase, withDatabaseClient } from '@fleettune/db-tools';
import { AGENT_AUDITD_RULE_KEY, AGENT_AUDITD_RULES_FILE_NAME } from '@fleettune/exporters';
import { HubProcess, startHubProcess, throwAwayHubEnv } from '@fleettune/demo';
import { onPath, runCommand, runDpkg, sha256File, treeSnapshot } from './host-commands';
import { serviceCommand } from './unit-exec-start';

const REPO = path.resolve(__dirname, '..', '..', '..');
const SEA_BINARY = path.join(REPO, 'tools', 'sea', 'dist', 'fleettune-agent');
const BUILD_SCRIPT = path.join(REPO, 'tools', 'packaging', 'build-agent-packages.sh');
const LOGS = ['web-01.audit.log', 'build-03.audit.log'].map((f) => path.join(REPO, 'tools', 'demo', 'logs', f));

const BIN = '/usr/bin/fleettune-agent';
const UNIT = '/usr/lib/systemd/system/fleettune-agent.service';
const ENV_FILE = '/etc/fleettune/agent.env';
const STATE = '/var/lib/fleettune-agent';
const SECRET_FILE = path.join(STATE, 'enroll-secret');
const WANTS = '/etc/systemd/system/multi-user.target.wants/fleettune-agent.service';
/** In the agent.env this spec writes: a leftover with it (a run killed half-way) is this spec's own to purge. */
const MARKER = '# written by tools/packaging agent-packages.spec';
const HOSTNAME = 'pkg-host-01';
const ENROLL = 'packaging-enroll-secret-0123456789';

async function dpkgStatus(): Promise<string | undefined> {
  const r = await runCommand(['dpkg-query', '-W', '-f', '${Status} ${Version}', 'fleettune-agent']);
  return r.code === 0 && r.stdout.trim() && !/not-installed/.test(r.stdout) ? r.stdout.trim() : undefined;
}

/** A package this spec installed and did not get to purge (a run killed half-way): its agent.env has MARKER. */
function leftOverByThisSpec(): boolean {
  return fs.existsSync(ENV_FILE) && fs.readFileSync(ENV_FILE, 'utf8').includes(MARKER);
}

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (dpkg -i needs root)';
  for (const tool of ['dpkg', 'dpkg-deb', 'dpkg-query', 'rpm', 'rpmbuild', 'systemd-analyze', 'systemctl']) {
    if (!onPath(tool)) return `${tool} not installed (apt-get install -y dpkg-dev rpm systemd)`;
  }
  if (!fs.existsSync(SEA_BINARY)) return `${path.relative(REPO, SEA_BINARY)} not built: run npm run build:agent-sea first`;
  if (leftOverByThisSpec()) return undefined;
  const status = spawnSync('dpkg-query', ['-W', '-f', '${Status}', 'fleettune-agent'], { encoding: 'utf8' }).stdout;
  if (status && !/not-installed/.test(status)) return `fleettune-agent is installed on this machine (${status}): not touching an install of yours`;
  for (const p of [STATE, '/etc/fleettune', BIN]) if (fs.existsSync(p)) return `${p} exists on this machine: not touching an install of yours`;
  return undefined;
}

/**
 * The host's audit rules as files (/etc/audit: rules.d, audit.rules, auditd.conf). The rules loaded in
 * the kernel are not compared: the kernel specs running beside this one load and delete rules of their
 * own. That no maintainer script runs auditctl or augenrules is checked on the scripts themselves.
 */
function auditRules(): string[] {
  return treeSnapshot('/etc/audit');
}

const AGENT_RULES_FILE = `/etc/audit/rules.d/${AGENT_AUDITD_RULES_FILE_NAME}`;

/**
 * What a script may do to audit rules: read the status, delete the rules file the agent owns and
 * unload the rules carrying the agent's key, regenerate audit.rules without loading it. Comments aside.
 */
function assertOnlyTheAgentsAuditRules(script: string, label: string): void {
  const code = script
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .join('\n');
  const allowed = ['', '-s', `-D -k ${AGENT_AUDITD_RULE_KEY}`];
  for (const m of code.matchAll(/\bauditctl\b([^|;&\n>]*)/g)) {
    assert.ok(allowed.includes(m[1]!.trim().replace(/"$/, '')), `${label}: auditctl${m[1]}`);
  }
  assert.doesNotMatch(code, /augenrules\s+--load|auditctl\s+-R|auditctl\s+-[adwW]\b/, `${label} loads or deletes no other rule`);
  for (const p of code.match(/\/etc\/audit\/\S*/g) ?? []) {
    assert.ok([AGENT_RULES_FILE, '/etc/audit/audit.rules'].includes(p.replace(/["';:)]+$/, '')), `${label} touches ${p}`);
  }
}

/**
 * Rules as the agent applies them (issue 14): its file in rules.d and, where the kernel's audit answers
 * here, one loaded rule with its key, beside one of the host's own. `verify` (after removal): the file
 * and the agent's rule gone, the host's rule still loaded; it then unloads the host's rule.
 */
async function applyRulesAsTheAgentWould(): Promise<{ verify(): Promise<void> }> {
  const haveRulesDir = fs.existsSync(path.dirname(AGENT_RULES_FILE));
  const dirs = { agent: fs.mkdtempSync(path.join(work, 'agent-rule-')), host: fs.mkdtempSync(path.join(work, 'host-rule-')) };
  const hostKey = `pkgspec-host-${process.pid}`;
  if (haveRulesDir) fs.writeFileSync(AGENT_RULES_FILE, `-w ${dirs.agent} -p wa -k ${AGENT_AUDITD_RULE_KEY}\n`);
  const status = onPath('auditctl') ? await runCommand(['auditctl', '-s']) : undefined;
  const kernel = status?.code === 0 && !/^enabled 2/m.test(status.stdout);
  if (kernel) {
    for (const [dir, key] of [
      [dirs.agent, AGENT_AUDITD_RULE_KEY],
      [dirs.host, hostKey],
    ]) {
      const r = await runCommand(['auditctl', '-w', dir!, '-p', 'wa', '-k', key!]);
      assert.equal(r.code, 0, r.stderr);
    }
  }
  return {
    async verify() {
      try {
        assert.equal(fs.existsSync(AGENT_RULES_FILE), false, `${AGENT_RULES_FILE} removed with the agent`);
        if (kernel) {
          const listed = (await runCommand(['auditctl', '-l'])).stdout;
          assert.ok(!listed.includes(dirs.agent), `the agent's rule unloaded:\n${listed}`);
          assert.ok(listed.includes(dirs.host), `the host's rule still loaded:\n${listed}`);
        }
      } finally {
        if (kernel) {
          await runCommand(['auditctl', '-D', '-k', hostKey]);
          await runCommand(['auditctl', '-D', '-k', AGENT_AUDITD_RULE_KEY]);
        }
        fs.rmSync(AGENT_RULES_FILE, { force: true });
      }
    },
  };
}

const skip = unavailable();
if (skip) process.stderr.write(`agent-packages.spec: SKIPPED, ${skip}\n`);

let work: string;
let db: TestDatabase;
let hub: HubProcess;
let debs: { first: string; upgrade: string };
let rpmFile: string;
let rulesBefore: string[];
let eventsStreamed = 0;

async function build(release: string, formats: string): Promise<string[]> {
  // Level 1: the 96 MiB executable packs in seconds; what is checked does not depend on the level.
  const r = await runCommand(['bash', BUILD_SCRIPT, '--release', release, '--formats', formats, '--out', work, '--compress-level', '1'], {
    timeoutMs: 600_000,
  });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

before(
  async () => {
    if (skip) return;
    if (leftOverByThisSpec()) await runDpkg(['--purge', 'fleettune-agent']);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'fleettune-packaging-'));
    const [deb1, rpm1] = await build('1', 'deb,rpm');
    const [deb2] = await build('2', 'deb');
    debs = { first: deb1!, upgrade: deb2! };
    rpmFile = rpm1!;
    rulesBefore = auditRules();
    db = await createMigratedTestDatabase('packaging');
    hub = await startHubProcess(
      throwAwayHubEnv(db.url, 'packaging', { FLEETTUNE_ADMIN_TOKEN: 'packaging-admin-token-0123456789abcdef', FLEETTUNE_ENROLL_SECRET: ENROLL }),
    );
  },
  { timeout: 900_000 },
);

after(
  async () => {
    if (skip) return;
    // A failed step leaves the package behind: purge it, the machine is not ours.
    if (await dpkgStatus()) await runDpkg(['--purge', 'fleettune-agent']);
    await hub?.stop();
    await db?.drop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  },
  { timeout: 120_000 },
);

/** `dpkg-deb -c` as path -> "mode owner/group" (mode as ls prints it). */
async function debContents(deb: string): Promise<Map<string, string>> {
  const r = await runCommand(['dpkg-deb', '-c', deb]);
  assert.equal(r.code, 0, r.stderr);
  const out = new Map<string, string>();
  for (const line of r.stdout.trim().split('\n')) {
    const f = line.split(/\s+/);
    out.set(f[5]!.replace(/^\./, '').replace(/\/$/, '') || '/', `${f[0]} ${f[1]}`);
  }
  return out;
}

function modeOf(p: string): string {
  return (fs.statSync(p).mode & 0o7777).toString(8).padStart(4, '0');
}

/** The installed agent as the unit runs it: its ExecStart= argv and Environment=/EnvironmentFile= env, and UMask=0077. */
async function runAsTheUnit(): Promise<{ code: number | null; output: string }> {
  const cmd = serviceCommand(fs.readFileSync(UNIT, 'utf8'));
  assert.equal(cmd.argv[0], BIN);
  assert.match(fs.readFileSync(UNIT, 'utf8'), /^UMask=0077$/m);
  const r = await runCommand(['/bin/sh', '-c', 'umask 077 && exec "$@"', 'sh', ...cmd.argv], { env: cmd.env, timeoutMs: 180_000 });
  return { code: r.code, output: r.stdout + r.stderr };
}

function writeAgentEnv(input: string): void {
  // What an admin writes: the hub, and (for this test) a recorded log instead of the host's
  // auditd log, --once to exit when everything is acknowledged, a host name of its own.
  fs.writeFileSync(
    ENV_FILE,
    [
      MARKER,
      `FLEETTUNE_HUB=${hub.grpcAddress}`,
      `FLEETTUNE_INPUT=${input}`,
      `FLEETTUNE_AGENT_ARGS=--once --hostname ${HOSTNAME}`,
      // The host-cost sampler would add this machine's auditd state; nothing here is about it.
      'FLEETTUNE_COST=off',
      '',
    ].join('\n'),
  );
}

async function hubView(): Promise<{ hosts: number; batches: number; events: number }> {
  return withDatabaseClient(db.url, async (c) => {
    const h = await c.query<{ n: string }>('SELECT count(*) AS n FROM hosts WHERE hostname = $1', [HOSTNAME]);
    const b = await c.query<{ n: string; e: string }>(
      'SELECT count(*) AS n, COALESCE(sum(b.events), 0) AS e FROM ingest_batches b JOIN hosts h ON h.id = b.host_id WHERE h.hostname = $1',
      [HOSTNAME],
    );
    return { hosts: Number(h.rows[0]!.n), batches: Number(b.rows[0]!.n), events: Number(b.rows[0]!.e) };
  });
}

/** Events in `log` as the installed agent's `report` counts them. */
async function reportEvents(log: string): Promise<number> {
  const r = await runCommand([BIN, 'report', '--source', 'linux-audit', '--input', log, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { events: number }).events;
}

test('the .deb holds the single executable, the unit and agent.env (a conffile), each with its mode', { skip }, async () => {
  const files = await debContents(debs.first);
  assert.equal(files.get('/usr/bin/fleettune-agent'), '-rwxr-xr-x root/root');
  assert.equal(files.get('/usr/lib/systemd/system/fleettune-agent.service'), '-rw-r--r-- root/root');
  assert.equal(files.get('/etc/fleettune/agent.env'), '-rw------- root/root');
  assert.equal(files.has('/var/lib/fleettune-agent'), false, 'the state dir is made by postinst, so that dpkg -r does not try to delete it');
  const info = await runCommand(['dpkg-deb', '-f', debs.first, 'Package', 'Version', 'Architecture', 'Depends']);
  assert.match(info.stdout, /^Package: fleettune-agent$/m);
  assert.match(info.stdout, /^Version: \d+\.\d+\.\d+-1$/m);
  const extracted = path.join(work, 'deb-conffiles');
  assert.equal((await runCommand(['dpkg-deb', '-e', debs.first, extracted])).code, 0);
  assert.equal(fs.readFileSync(path.join(extracted, 'conffiles'), 'utf8').trim(), '/etc/fleettune/agent.env');
  for (const script of ['postinst', 'prerm', 'postrm']) {
    assert.equal(modeOf(path.join(extracted, script)), '0755');
    const text = fs.readFileSync(path.join(extracted, script), 'utf8');
    assertOnlyTheAgentsAuditRules(text, script);
    if (script !== 'prerm') assert.doesNotMatch(text.replace(/^#.*$/gm, ''), /auditctl|augenrules|\/etc\/audit/, `${script} leaves audit alone`);
  }
});

test('the .rpm: rpm -qlp lists the same files with their modes and the 0700 state dir, rpm -K finds its digests OK', { skip }, async () => {
  const list = await runCommand(['rpm', '-qlp', rpmFile]);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(list.stdout.trim().split('\n').sort(), [
    '/etc/fleettune',
    '/etc/fleettune/agent.env',
    '/usr/bin/fleettune-agent',
    '/usr/lib/systemd/system/fleettune-agent.service',
    '/var/lib/fleettune-agent',
  ]);
  const check = await runCommand(['rpm', '-K', rpmFile]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /digests OK/);
  // --dump: path size mtime digest mode owner group isconfig isdoc ...
  const dump = await runCommand(['rpm', '-qp', '--dump', rpmFile]);
  const rows = new Map(
    dump.stdout
      .trim()
      .split('\n')
      .map((l) => [l.split(' ')[0]!, l.split(' ')]),
  );
  const mode = (p: string) => (parseInt(rows.get(p)![4]!, 8) & 0o7777).toString(8).padStart(4, '0');
  assert.equal(mode('/usr/bin/fleettune-agent'), '0755');
  assert.equal(mode('/etc/fleettune/agent.env'), '0600');
  assert.equal(mode('/var/lib/fleettune-agent'), '0700');
  assert.equal(rows.get('/etc/fleettune/agent.env')![7], '1', 'agent.env is %config');
  assert.equal(rows.get('/usr/bin/fleettune-agent')![3], sha256File(SEA_BINARY), 'the executable is the SEA build, byte for byte (not stripped)');
  for (const [p, r] of rows) assert.deepEqual([r[5], r[6]], ['root', 'root'], `${p} owned by root`);
  const config = await runCommand(['rpm', '-qcp', rpmFile]);
  assert.equal(config.stdout.trim(), '/etc/fleettune/agent.env');
  const scripts = await runCommand(['rpm', '-qp', '--scripts', rpmFile]);
  assert.match(scripts.stdout, /preuninstall scriptlet[^]*systemctl stop fleettune-agent\.service/);
  assert.match(scripts.stdout, /postuninstall scriptlet[^]*try-restart fleettune-agent\.service/);
  assertOnlyTheAgentsAuditRules(scripts.stdout, 'rpm scriptlets');
  assert.match(scripts.stdout, new RegExp(`preuninstall scriptlet[^]*auditctl -D -k ${AGENT_AUDITD_RULE_KEY}[^]*postuninstall`));
});

test('dpkg -i: executable 0755, agent.env 0600, state dir 0700, not enabled until configured; systemd-analyze verify accepts the unit', { skip }, async () => {
  const r = await runDpkg(['-i', debs.first]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /set FLEETTUNE_HUB in \/etc\/fleettune\/agent\.env/);
  assert.match((await dpkgStatus())!, /^install ok installed \d+\.\d+\.\d+-1$/);
  assert.equal(modeOf(BIN), '0755');
  assert.equal(sha256File(BIN), sha256File(SEA_BINARY));
  assert.equal(modeOf(UNIT), '0644');
  assert.equal(modeOf(ENV_FILE), '0600');
  assert.equal(modeOf(STATE), '0700');
  for (const p of [BIN, UNIT, ENV_FILE, STATE]) assert.deepEqual([fs.statSync(p).uid, fs.statSync(p).gid], [0, 0], p);
  assert.equal(fs.existsSync(WANTS), false, 'an agent without a hub address is not enabled');
  const verify = await runCommand(['systemd-analyze', 'verify', UNIT]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.doesNotMatch(verify.stdout + verify.stderr, /fleettune-agent/, 'no warning about our unit');
  const version = await runCommand([BIN, '--version']);
  assert.equal(version.code, 0, version.stderr);
});

test('the installed agent, run as the unit runs it with agent.env, enrolls with the hub and streams; the secret file is gone after', { skip }, async () => {
  writeAgentEnv(LOGS[0]!);
  fs.writeFileSync(SECRET_FILE, `${ENROLL}\n`, { mode: 0o600 });
  const enable = await runCommand(['systemctl', 'enable', 'fleettune-agent.service']);
  assert.equal(enable.code, 0, enable.stderr);
  assert.ok(fs.existsSync(WANTS), 'systemctl enable (offline) links the unit into multi-user.target');

  const run = await runAsTheUnit();
  assert.equal(run.code, 0, run.output);
  assert.equal(fs.existsSync(SECRET_FILE), false, 'the agent deletes the enrollment secret after enrolling');
  const view = await hubView();
  const expected = await reportEvents(LOGS[0]!);
  assert.equal(view.hosts, 1);
  assert.ok(view.batches > 0, 'batches landed');
  assert.equal(view.events, expected, 'every event of the log reached the hub once');
  eventsStreamed = view.events;
  // What the agent wrote (credentials, install key, checkpoints, spool) is root's alone.
  const state = treeSnapshot(STATE);
  assert.ok(state.length > 1, 'the agent kept state');
  for (const entry of state) assert.match(entry, / 0[67]00 0:0/, `group/other have no access: ${entry}`);
});

test(
  'an upgrade (dpkg -i of a higher version) keeps the state dir, agent.env and the enabled unit; the agent streams again without the secret',
  { skip },
  async () => {
    const state = treeSnapshot(STATE);
    const env = fs.readFileSync(ENV_FILE, 'utf8');
    const r = await runDpkg(['-i', debs.upgrade]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match((await dpkgStatus())!, /^install ok installed \d+\.\d+\.\d+-2$/);
    assert.deepEqual(treeSnapshot(STATE), state, 'state dir unchanged: same files, contents and modes');
    assert.equal(fs.readFileSync(ENV_FILE, 'utf8'), env, "the admin's agent.env is kept");
    assert.equal(modeOf(ENV_FILE), '0600');
    assert.ok(fs.existsSync(WANTS), 'still enabled');

    // No secret any more: only the credentials the first version saved can get this batch in.
    writeAgentEnv(LOGS[1]!);
    const run = await runAsTheUnit();
    assert.equal(run.code, 0, run.output);
    const view = await hubView();
    assert.equal(view.hosts, 1, 'the same host, not a new enrollment');
    assert.equal(view.events, eventsStreamed + (await reportEvents(LOGS[1]!)));
  },
);

test(
  "dpkg -r disables the unit, removes the executable, the unit and the agent's own audit rules (not the host's), keeping agent.env and state; dpkg -P removes those; /etc/audit is as it was",
  { skip },
  async () => {
    const applied = await applyRulesAsTheAgentWould();
    const removed = await runDpkg(['-r', 'fleettune-agent']);
    assert.equal(removed.code, 0, removed.stdout + removed.stderr);
    assert.doesNotMatch(removed.stdout + removed.stderr, /warning|error/i);
    for (const p of [BIN, UNIT, WANTS]) assert.equal(fs.existsSync(p), false, `${p} removed`);
    await applied.verify();
    assert.match((await dpkgStatus())!, /^deinstall ok config-files /);
    assert.ok(fs.existsSync(ENV_FILE) && fs.existsSync(STATE), 'remove keeps configuration and the enrollment');

    const purged = await runDpkg(['-P', 'fleettune-agent']);
    assert.equal(purged.code, 0, purged.stdout + purged.stderr);
    assert.doesNotMatch(purged.stdout + purged.stderr, /warning|error/i);
    for (const p of [ENV_FILE, '/etc/fleettune', STATE]) assert.equal(fs.existsSync(p), false, `${p} purged`);
    assert.equal(await dpkgStatus(), undefined);
    assert.deepEqual(auditRules(), rulesBefore);
  },
);

/**
 * systemd is not PID 1 here, so the scripts' `systemctl start/stop/try-restart` branch (taken when
 * /run/systemd/system exists) would never run above. In a private mount namespace a tmpfs over
 * /run/systemd makes them take it, and a systemctl first on PATH records what they ask for.
 */
interface FakeSystemd {
  wrap: string[];
  env: NodeJS.ProcessEnv;
  /** The systemctl calls made since the last reset. */
  calls(): string[];
  reset(): void;
}

async function fakeSystemd(): Promise<FakeSystemd | string> {
  const probe = await runCommand(['unshare', '-m', '--propagation', 'private', '/bin/sh', '-c', 'mount -t tmpfs tmpfs /run/systemd']).catch(() => undefined);
  if (probe?.code !== 0) return `no private mount namespace here (unshare -m: ${probe?.stderr.trim() ?? 'not installed'})`;
  const fake = fs.mkdtempSync(path.join(work, 'fake-systemd-'));
  const log = path.join(fake, 'calls');
  fs.writeFileSync(path.join(fake, 'systemctl'), `#!/bin/sh\necho "$*" >> '${log}'\n`, { mode: 0o755 });
  fs.writeFileSync(log, '');
  return {
    wrap: [
      'unshare',
      '-m',
      '--propagation',
      'private',
      '/bin/sh',
      '-c',
      'mount -t tmpfs -o mode=0755 tmpfs /run/systemd && mkdir /run/systemd/system && exec "$@"',
      'sh',
    ],
    env: { ...process.env, PATH: `${fake}:${process.env.PATH ?? ''}` },
    calls: () => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean),
    reset: () => fs.writeFileSync(log, ''),
  };
}

/** What config management does before installing: agent.env with a hub address. */
function preseedAgentEnv(): string {
  fs.mkdirSync('/etc/fleettune', { mode: 0o755, recursive: true });
  const preseeded = `${MARKER}\nFLEETTUNE_HUB=hub.example.internal:50051\n`;
  fs.writeFileSync(ENV_FILE, preseeded, { mode: 0o600 });
  return preseeded;
}

test('with systemd running, a pre-configured install is enabled and started, an upgrade restarts it, removal stops and disables it', { skip }, async (t) => {
  const systemd = await fakeSystemd();
  if (typeof systemd === 'string') return t.skip(systemd);
  const dpkg = async (args: string[]) => {
    systemd.reset();
    const r = await runDpkg(args, { wrap: systemd.wrap, env: systemd.env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return systemd.calls();
  };

  // Config management wrote agent.env first; --force-confold keeps it (dpkg would ask otherwise).
  const preseeded = preseedAgentEnv();
  assert.deepEqual(await dpkg(['--force-confold', '-i', debs.first]), ['daemon-reload', 'enable fleettune-agent.service', 'start fleettune-agent.service']);
  assert.equal(fs.readFileSync(ENV_FILE, 'utf8'), preseeded);
  assert.deepEqual(await dpkg(['-i', debs.upgrade]), ['daemon-reload', 'try-restart fleettune-agent.service']);
  assert.deepEqual(await dpkg(['-r', 'fleettune-agent']), ['stop fleettune-agent.service', 'disable fleettune-agent.service', 'daemon-reload']);
  assert.deepEqual(await dpkg(['-P', 'fleettune-agent']), ['daemon-reload']);
  for (const p of [BIN, UNIT, '/etc/fleettune', STATE]) assert.equal(fs.existsSync(p), false, `${p} gone`);
  assert.deepEqual(auditRules(), rulesBefore);
});

/**
 * The .rpm is not installed here (no rpm database of the system's own on Debian), but its scriptlets are
 * plain sh: run as rpm runs them ($1 = how many versions remain installed), with systemd present as above.
 */
test('the .rpm scriptlets, as rpm runs them: install, upgrade and erase ask systemd for the same as the .deb', { skip }, async (t) => {
  const systemd = await fakeSystemd();
  if (typeof systemd === 'string') return t.skip(systemd);
  const scriptlets: Record<string, string> = {};
  for (const tag of ['POSTIN', 'PREUN', 'POSTUN']) {
    const r = await runCommand(['rpm', '-qp', '--qf', `%{${tag}}`, rpmFile]);
    assert.equal(r.code, 0, r.stderr);
    scriptlets[tag] = r.stdout;
  }
  const run = async (tag: string, count: number) => {
    systemd.reset();
    const r = await runCommand([...systemd.wrap, '/bin/sh', '-c', scriptlets[tag]!, tag, String(count)], { env: systemd.env });
    assert.equal(r.code, 0, `${tag} ${count}: ${r.stdout}${r.stderr}`);
    return { calls: systemd.calls(), output: r.stdout };
  };
  try {
    // First install without a hub address: state dir made 0700, the unit left disabled, what to do printed.
    const unconfigured = await run('POSTIN', 1);
    assert.deepEqual(unconfigured.calls, ['daemon-reload']);
    assert.match(unconfigured.output, /set FLEETTUNE_HUB in \/etc\/fleettune\/agent\.env/);
    assert.equal(modeOf(STATE), '0700');
    preseedAgentEnv();
    assert.deepEqual((await run('POSTIN', 1)).calls, ['daemon-reload', 'enable fleettune-agent.service', 'start fleettune-agent.service']);
    // Upgrade: new %post (2), old %preun (1), old %postun (1).
    assert.deepEqual((await run('POSTIN', 2)).calls, ['daemon-reload']);
    assert.deepEqual((await run('PREUN', 1)).calls, []);
    assert.deepEqual((await run('POSTUN', 1)).calls, ['daemon-reload', 'try-restart fleettune-agent.service']);
    // Erase, after the agent applied rules.
    const applied = await applyRulesAsTheAgentWould();
    assert.deepEqual((await run('PREUN', 0)).calls, ['stop fleettune-agent.service', 'disable fleettune-agent.service']);
    await applied.verify();
    assert.deepEqual((await run('POSTUN', 0)).calls, ['daemon-reload']);
    assert.deepEqual(auditRules(), rulesBefore);
  } finally {
    fs.rmSync(STATE, { recursive: true, force: true });
    fs.rmSync('/etc/fleettune', { recursive: true, force: true });
  }
});
