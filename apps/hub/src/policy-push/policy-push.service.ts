import type { PolicyTargetView as ContractPolicyTargetView, QueuedPush, TargetPushView } from '@fleettune/api-contract';
import { BadGatewayException, BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { createHash, randomBytes } from 'node:crypto';
import { EXPORT_FORMATS, ExportFormatId } from '@fleettune/exporters';
import { itemsForPlatform } from '@fleettune/rules';
import { platformOrBadRequest } from '../exclusions/export-platform';
import { AuthenticatedPrincipal } from '../auth/api-token.guard';
import { ExclusionSetsService } from '../exclusions/exclusion-sets.service';
import { allExports, pushedItems } from './policy-payload';
import { HUB_CONFIG, HubConfig } from '../config/hub-config';
import { QUEUES, addJob } from '../jobs/job-registry';
import { SignedWebhookSender } from '../webhooks/signed-webhook-sender';
import { SecretBox } from '../secrets/secret-box';
import { gitPolicyCommit } from './git-policy-files';
import { branchProblem, directoryProblem, parseGitRemote } from './git-remote';
import { PolicyPushRepository, PushedItemRow } from './policy-push.repository';
import { PolicyTargetRepository } from './policy-target.repository';
import { ConsolePushBody, ConsolePushService } from './connectors/console-push.service';
import { ConnectorError, isConsoleConnectorKind } from './connectors/policy-console-connector';
import { canonicalJson, ConsoleItem, consoleItemKey } from '@fleettune/exporters';

export type PolicyTargetView = ContractPolicyTargetView<Date>;

@Injectable()
export class PolicyPushService {
  constructor(
    private readonly targets: PolicyTargetRepository,
    private readonly pushRows: PolicyPushRepository,
    private readonly sets: ExclusionSetsService,
    @InjectQueue(QUEUES.policyPush) private readonly queue: Queue,
    private readonly sender: SignedWebhookSender,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly box: SecretBox,
    private readonly consoles: ConsolePushService,
  ) {}

  async createTarget(body: PolicyTargetInput, principal: AuthenticatedPrincipal): Promise<PolicyTargetView> {
    if (body.kind === 'git') return this.createGitTarget(body, principal);
    if (isConsoleConnectorKind(body.kind)) return this.createConsoleTarget(body, principal);
    if (body.config !== undefined || body.credentials !== undefined)
      throw new BadRequestException('config and credentials belong to console connector targets');
    if (body.kind === 'webhook' && !body.url) throw new BadRequestException('a webhook target needs a url');
    if (body.branch !== undefined || body.directory !== undefined) throw new BadRequestException('branch and directory belong to git targets');
    const problem = body.url ? await this.sender.urlProblem(body.url) : undefined;
    if (problem) throw new BadRequestException(`url: ${problem}`);
    const secret = body.kind === 'webhook' ? (body.secret ?? `whsec_${randomBytes(24).toString('base64url')}`) : null;
    const t = await this.targets.create({
      name: body.name,
      kind: body.kind,
      url: body.url ?? null,
      secret: secret && this.box.seal(secret, 'policy_targets.secret'),
      createdBy: principal.name,
    });
    return { ...view(t), ...(secret ? { secret } : {}) };
  }

  /**
   * A git target: the URL is checked like a webhook's (https/ssh hosts against
   * the outbound address policy; file:// only when the hub allows local
   * repositories). A URL with credentials (https://user:token@host/...) is
   * sealed whole in `secret`; `url` keeps it without them.
   */
  private async createGitTarget(body: PolicyTargetInput, principal: AuthenticatedPrincipal): Promise<PolicyTargetView> {
    if (!body.url) throw new BadRequestException('a git target needs a url');
    if (body.secret !== undefined)
      throw new BadRequestException("a git target takes its credentials in the url (https://user:token@host/repo.git) or from the hub's ssh keys");
    const remote = await this.gitRemote(body.url);
    const branch = body.branch ?? 'main';
    const directory = (body.directory ?? '').replace(/^\/+|\/+$/g, '');
    const bad = branchProblem(branch);
    if (bad) throw new BadRequestException(`branch: ${bad}`);
    const badDir = directoryProblem(directory);
    if (badDir) throw new BadRequestException(`directory: ${badDir}`);
    const t = await this.targets.create({
      name: body.name,
      kind: 'git',
      url: remote.display,
      secret: remote.hasCredentials ? this.box.seal(remote.url, 'policy_targets.secret') : null,
      branch,
      directory,
      createdBy: principal.name,
    });
    return view(t);
  }

  /**
   * A console connector target (Cisco Secure Endpoint, Intune, Jamf): its
   * config and credentials checked by the connector's schemas, its URLs by
   * the outbound address policy; the credentials sealed, never shown again.
   */
  private async createConsoleTarget(body: PolicyTargetInput, principal: AuthenticatedPrincipal): Promise<PolicyTargetView> {
    if (body.url !== undefined || body.secret !== undefined || body.branch !== undefined || body.directory !== undefined)
      throw new BadRequestException(`a ${body.kind} target takes config and credentials (no url, secret, branch or directory)`);
    const settings = await this.consoles.targetSettings(body.kind, body.config, body.credentials);
    const t = await this.targets.create({
      name: body.name,
      kind: body.kind,
      url: null,
      secret: settings.secret,
      config: settings.config,
      createdBy: principal.name,
    });
    return view(t);
  }

  /** The remote a git URL names, or 400 with why it may not be used. */
  async gitRemote(url: string) {
    const remote = parseGitRemote(url, this.config.FLEETTUNE_POLICY_GIT_ALLOW_LOCAL);
    if ('problem' in remote) throw new BadRequestException(`url: ${remote.problem}`);
    const refused = remote.host ? await this.sender.hostProblem(remote.host) : undefined;
    if (refused) throw new BadRequestException(`url: ${refused}`);
    return remote;
  }

  async listTargets(withUrls = true): Promise<PolicyTargetView[]> {
    const rows = await this.targets.listLive();
    return rows.map((t) => ({ ...view(t), ...(withUrls ? {} : { url: null, ...(t.config !== null ? { config: null } : {}) }) }));
  }

  async target(id: string) {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundException(`policy target ${id} not found`);
    const t = await this.targets.byId(id);
    if (!t || t.deletedAt) throw new NotFoundException(`policy target ${id} not found`);
    return t;
  }

  async getTarget(id: string): Promise<PolicyTargetView> {
    return view(await this.target(id));
  }

  async deleteTarget(id: string): Promise<void> {
    await this.target(id);
    await this.targets.markDeleted(id, new Date());
  }

  /** The push log of a target (webhook pushes and served pulls), newest first, with every delivery attempt. */
  async pushes(targetId: string, take = 50): Promise<TargetPushView<Date>[]> {
    await this.target(targetId);
    const rows = await this.pushRows.ofTarget(targetId, take);
    return rows.map(({ attemptLog, ...p }) => ({
      ...p,
      attemptLog: attemptLog.map((a) => ({ attempt: a.attempt, at: a.at, statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
    }));
  }

  /**
   * Queues a webhook push of the set's APPROVED items to a target. The body
   * is built once, here, and signed per attempt over the same bytes, so every
   * retry delivers the identical document.
   */
  async push(setId: string, targetId: string, principal: AuthenticatedPrincipal): Promise<QueuedPush> {
    const target = await this.target(targetId);
    if (target.kind === 'git') return this.pushToGit(setId, target, principal);
    if (isConsoleConnectorKind(target.kind)) return this.pushToConsole(setId, target, principal);
    if (target.kind !== 'webhook' || !target.url)
      throw new ConflictException(
        `target ${target.name} is a ${target.kind} target; config management pulls from GET /api/v1/policy-targets/${target.id}/export`,
      );
    if (!target.enabled) throw new ConflictException(`target ${target.name} is disabled`);
    const { set, items } = await this.sets.approvedItems(setId);
    const pushed = pushedItems(items);
    const id = crypto.randomUUID();
    const createdAt = new Date();
    const body = JSON.stringify({
      event: 'exclusions.push',
      pushId: id,
      createdAt,
      target: { id: target.id, name: target.name },
      set: { id: set.id, version: set.version, createdAt: set.createdAt },
      items: pushed,
      exports: allExports(pushed),
    });
    const digest = createHash('sha256').update(body).digest('hex');
    return this.queuePush({ id, createdAt, mode: 'webhook', target, set, pushed, body, digest, principal });
  }

  /**
   * Queues a git push of the set's APPROVED items: the files and the message
   * are built here, once (every retry commits the same bytes); the job clones,
   * commits only when the files changed, and pushes (PolicyDeliveryService).
   */
  private async pushToGit(setId: string, target: { id: string; name: string; enabled: boolean }, principal: AuthenticatedPrincipal) {
    if (!target.enabled) throw new ConflictException(`target ${target.name} is disabled`);
    const { set, items } = await this.sets.approvedItems(setId);
    const pushed = pushedItems(items);
    const id = crypto.randomUUID();
    const commit = gitPolicyCommit(set, pushed, id);
    const body = JSON.stringify(commit);
    const digest = createHash('sha256').update(JSON.stringify(commit.files)).digest('hex');
    return this.queuePush({ id, mode: 'git', target, set, pushed, body, digest, principal });
  }

  /**
   * Queues a push of the set's APPROVED items into a console: mapped to the
   * vendor's form once, here (every attempt and any later rollback carry the
   * same bodies); the job plans against what the console then holds.
   */
  private async pushToConsole(setId: string, target: Parameters<ConsolePushService['desired']>[0], principal: AuthenticatedPrincipal) {
    if (!target.enabled) throw new ConflictException(`target ${target.name} is disabled`);
    const { set, items } = await this.sets.approvedItems(setId);
    const all = pushedItems(items);
    const mapped = this.consoles.desired(target, all);
    // The push row lists the approved items the console will carry (keys are consoleItemKey of each item).
    const carried = new Set(mapped.items.map((i) => i.key));
    const body: ConsolePushBody = { desired: mapped.items, skipped: mapped.skipped };
    return this.queueConsolePush(
      target,
      set,
      all.filter((i) => carried.has(consoleItemKey(i))),
      body,
      principal,
    );
  }

  /**
   * What a push of the set's approved items to a console target would change
   * now (POST .../push with dryRun): reads the console, writes nothing, queues nothing.
   */
  async dryRun(setId: string, targetId: string) {
    const target = await this.target(targetId);
    if (!isConsoleConnectorKind(target.kind))
      throw new BadRequestException(`dryRun is for console connector targets; ${target.name} is a ${target.kind} target`);
    const { set, items } = await this.sets.approvedItems(setId);
    const mapped = this.consoles.desired(target, pushedItems(items));
    const r = await this.consoleCall(() => this.consoles.dryRun(target, mapped.items));
    return { dryRun: true as const, targetId: target.id, setId: set.id, setVersion: set.version, ...r, skipped: mapped.skipped };
  }

  /** Owned console items changed by hand since the hub last applied (GET .../drift). */
  async drift(targetId: string) {
    const target = await this.target(targetId);
    if (!isConsoleConnectorKind(target.kind))
      throw new BadRequestException(`drift is for console connector targets; ${target.name} is a ${target.kind} target`);
    return this.consoleCall(() => this.consoles.drift(target));
  }

  /**
   * Re-pushes the previous approved version a console held: the newest
   * verified push whose content differs from the newest verified one, its
   * bodies exactly as they were applied. An item of that version that is no
   * longer approved in that form (rejected since, or its scope widened and
   * pending again) is left out and listed in `skipped`: a console never
   * carries an item nobody approves, rollback or not.
   */
  async rollback(targetId: string, principal: AuthenticatedPrincipal): Promise<QueuedPush> {
    const target = await this.target(targetId);
    if (!isConsoleConnectorKind(target.kind))
      throw new BadRequestException(`rollback is for console connector targets; ${target.name} is a ${target.kind} target`);
    if (!target.enabled) throw new ConflictException(`target ${target.name} is disabled`);
    const verified = await this.pushRows.verifiedPushes(target.id);
    const current = verified[0];
    const previous = current && verified.find((p) => p.digest !== current.digest);
    if (!previous) throw new ConflictException(`target ${target.name} has no previous approved version to roll back to`);
    const applied = (Array.isArray(previous.applied) ? previous.applied : []) as unknown as ConsoleItem[];
    const rows = (Array.isArray(previous.items) ? previous.items : []) as unknown as PushedItemRow[];
    // The forms approved now in that set version, as this connector writes them.
    const { items: approvedNow } = await this.sets.approvedItems(previous.setId);
    const approvedForm = new Map(this.consoles.desired(target, pushedItems(approvedNow)).items.map((i) => [i.key, canonicalJson(i.body)]));
    const keep = applied.filter((a) => approvedForm.get(a.key) === canonicalJson(a.body));
    const kept = new Set(keep.map((a) => a.key));
    const skipped = applied
      .filter((a) => !kept.has(a.key))
      .map((a) => ({
        value: rows.find((r) => consoleItemKey(r) === a.key)?.value ?? a.key,
        reason: 'no longer approved in this form since that version: left out of the rollback',
      }));
    const body: ConsolePushBody = { desired: keep.map((a) => ({ key: a.key, body: a.body })), skipped };
    const queued = await this.queueConsolePush(
      target,
      { id: previous.setId, version: previous.setVersion },
      rows.filter((r) => kept.has(consoleItemKey(r))),
      body,
      principal,
    );
    return { ...queued, rollbackOf: previous.id, skipped };
  }

  private async queueConsolePush(
    target: { id: string; kind: string },
    set: { id: string; version: number },
    pushed: PushedItemRow[],
    body: ConsolePushBody,
    principal: AuthenticatedPrincipal,
  ) {
    const digest = createHash('sha256').update(canonicalJson(body.desired)).digest('hex');
    return this.queuePush({ id: crypto.randomUUID(), mode: target.kind, target, set, pushed, body: JSON.stringify(body), digest, principal });
  }

  /** A connector's failure as an API answer: 502 with the vendor's error (the console, not the request, is at fault). */
  private async consoleCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ConnectorError) throw new BadGatewayException(`console: ${err.message}`);
      throw err;
    }
  }

  /** Records a queued push (webhook, git or console) with the exact body every attempt delivers, and queues its delivery job. */
  private async queuePush(p: {
    id: string;
    createdAt?: Date;
    mode: string;
    target: { id: string };
    set: { id: string; version: number };
    pushed: PushedItemRow[];
    body: string;
    digest: string;
    principal: AuthenticatedPrincipal;
  }) {
    const { id, target, set, pushed, digest } = p;
    await this.pushRows.create({
      id,
      ...(p.createdAt ? { createdAt: p.createdAt } : {}),
      targetId: target.id,
      setId: set.id,
      setVersion: set.version,
      mode: p.mode,
      items: pushed,
      digest,
      body: p.body,
      status: 'queued',
      requestedBy: p.principal.name,
    });
    await addJob(this.queue, 'deliverPolicyPush', { pushId: id, body: p.body }, this.config, { jobId: id });
    return { pushId: id, targetId: target.id, setId: set.id, setVersion: set.version, items: pushed.length, digest, status: 'queued' as const };
  }

  /**
   * A pull of the latest set's approved items in one format. The ETag is the
   * content's sha256, so If-None-Match gets 304 until an approval (or a new
   * version) changes what would be served. Served pulls are recorded.
   */
  async pull(targetId: string, format: string, ifNoneMatch: string | undefined, principal: AuthenticatedPrincipal, os?: string) {
    if (!Object.prototype.hasOwnProperty.call(EXPORT_FORMATS, format)) {
      throw new BadRequestException(`format must be one of: ${Object.keys(EXPORT_FORMATS).join(', ')}`);
    }
    const target = await this.target(targetId);
    if (!target.enabled) throw new ConflictException(`target ${target.name} is disabled`);
    const latestId = await this.sets.latestId();
    if (!latestId) throw new NotFoundException('no exclusion set has been computed yet');
    const { set, items } = await this.sets.approvedItems(latestId);
    const spec = EXPORT_FORMATS[format as ExportFormatId];
    const all = pushedItems(items);
    const pushed = itemsForPlatform(all, platformOrBadRequest(format as ExportFormatId, os, all));
    const { content, skipped } = spec.exporter.export(pushed);
    const digest = createHash('sha256').update(content).digest('hex');
    const etag = `"${digest}"`;
    const notModified = etagMatches(ifNoneMatch, etag);
    if (!notModified) {
      await this.pushRows.create({
        targetId: target.id,
        setId: set.id,
        setVersion: set.version,
        mode: 'pull',
        format,
        items: pushed,
        digest,
        status: 'served',
        attempts: 1,
        lastStatusCode: 200,
        requestedBy: principal.name,
        deliveredAt: new Date(),
      });
    }
    return { notModified, etag, content, contentType: spec.contentType, fileName: spec.fileName, skipped: skipped.length, setVersion: set.version };
  }
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

export interface PolicyTargetInput {
  name: string;
  kind: string;
  url?: string;
  secret?: string;
  branch?: string;
  directory?: string;
  /** Console connectors: non-secret settings (stored, shown to admins). */
  config?: Record<string, unknown>;
  /** Console connectors: credentials (sealed, never shown again). */
  credentials?: Record<string, unknown>;
}

function view(t: {
  id: string;
  name: string;
  kind: string;
  url: string | null;
  branch: string | null;
  directory: string | null;
  config?: unknown;
  enabled: boolean;
  createdAt: Date;
  createdBy: string;
  driftCheckedAt?: Date | null;
  driftItems?: number | null;
  driftError?: string | null;
}): PolicyTargetView {
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    url: t.url,
    ...(t.kind === 'git' ? { branch: t.branch, directory: t.directory } : {}),
    ...(isConsoleConnectorKind(t.kind)
      ? {
          config: (t.config ?? null) as Record<string, unknown> | null,
          driftCheck: t.driftCheckedAt ? { checkedAt: t.driftCheckedAt, items: t.driftItems ?? null, error: t.driftError ?? null } : null,
        }
      : {}),
    enabled: t.enabled,
    createdAt: t.createdAt,
    createdBy: t.createdBy,
  };
}
