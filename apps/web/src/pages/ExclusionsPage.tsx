import type {
  DryRunResult,
  ExclusionItemView,
  ExclusionSetDiffView,
  ExclusionSetView,
  HostScopedSuggestionView,
  JobState,
  PolicyTargetView,
  QueuedJob,
  QueuedPush,
} from '@fleettune/api-contract';
import { useState } from 'react';
import { ApiError, PUSH_HISTORY_PATH, roleAllows } from '../api';
import { Bars } from '../Bars';
import { Card, ErrorBox, Loading } from '../components';
import { useAsync, useSession } from '../context';
import { Notice, PageLayout } from '../page-layout';
import { SafeText, cleanText, fmtDate, fmtInt, fmtRate, truncateMiddle } from '../safe';
import { DataTable } from '../table';
import { useAction } from '../use-action';
import { PushHistory } from './PushHistory';

function HostSuggestions({ suggestions }: { suggestions: HostScopedSuggestionView[] }) {
  if (suggestions.length === 0) return null;
  return (
    <Card title={`Host-scoped suggestions · ${suggestions.length} · not fleet policy, never exported`} testId="host-suggestions">
      <p className="muted">
        Noisy on too few independent hosts to be a fleet exclusion (hosts enrolled together or from one address count once). One of these hosts may be the
        cause: review them on the hosts themselves.
      </p>
      <DataTable className="items" columns={['type', 'value', 'risk', 'hosts', 'why not fleet-wide']}>
        {suggestions.slice(0, 50).map((s) => (
          <tr key={`${s.type}:${s.value}`}>
            <td>
              <code>{cleanText(s.type)}</code>
            </td>
            <td className="subject">
              <SafeText value={s.value} max={60} />
            </td>
            <td>
              <span className={`risk ${cleanText(s.risk?.level)}`}>{cleanText(s.risk?.level ?? '?')}</span>
            </td>
            <td>
              <SafeText value={(s.hostIds ?? []).join(', ')} max={80} />
            </td>
            <td>
              <SafeText value={s.whyNotFleet} max={160} className="wrap" />
            </td>
          </tr>
        ))}
      </DataTable>
    </Card>
  );
}

const DECISION_PATH = '/api/v1/exclusion-items/{id}/decision';
const DIFF_PATH = '/api/v1/exclusion-sets/{id}/diff';
const PUSH_PATH = '/api/v1/exclusion-sets/{id}/push';
const TARGETS_PATH = '/api/v1/policy-targets';

/** Targets the hub delivers to (pull targets fetch for themselves). */
const PUSHED_KINDS = ['webhook', 'git', 'cisco-secure-endpoint', 'intune', 'jamf'];
/** Targets that write into a security product's console: they have a dry run. */
const CONSOLE_KINDS = ['cisco-secure-endpoint', 'intune', 'jamf'];

/** Push the set's APPROVED items to a target (approvers; the hub queues and retries the delivery); consoles get a dry run first. */
function PushToTarget({ set, approved, onPushed }: { set: ExclusionSetView; approved: number; onPushed: (msg: string) => void }) {
  const { api } = useSession();
  const targets = useAsync(() => api.get<PolicyTargetView[]>(TARGETS_PATH), []);
  const pushable = (targets.data ?? []).filter((t) => PUSHED_KINDS.includes(t.kind) && t.enabled);
  const pulls = (targets.data ?? []).filter((t) => t.kind === 'pull');
  const [targetId, setTargetId] = useState('');
  const { busy, error, run: act } = useAction();
  const [dry, setDry] = useState<DryRunResult>();
  const chosen = pushable.find((t) => t.id === targetId) ?? pushable[0];
  const isConsole = !!chosen && CONSOLE_KINDS.includes(chosen.kind);
  const run = async (dryRun: boolean) => {
    if (!chosen) return;
    setDry(undefined);
    await act(async () => {
      const path = `/api/v1/exclusion-sets/${encodeURIComponent(set.id)}/push`;
      if (dryRun) setDry(await api.post<DryRunResult>(path, { targetId: chosen.id, dryRun: true }));
      else {
        const r = await api.post<QueuedPush>(path, { targetId: chosen.id });
        onPushed(`queued push of ${r.items} approved items (v${r.setVersion}) to ${truncateMiddle(cleanText(chosen.name), 60)}`);
      }
    });
  };
  return (
    <Card title="Push to a target" testId="push-card">
      <ErrorBox error={targets.error} />
      {targets.data && !pushable.length ? <p className="muted">No push target yet (an admin adds one on the Admin page).</p> : null}
      {pushable.length ? (
        <div className="inline">
          <label>
            target{' '}
            <select
              value={chosen?.id ?? ''}
              onChange={(e) => {
                setTargetId(e.target.value);
                setDry(undefined);
              }}
              data-testid="push-target"
            >
              {pushable.map((t) => (
                <option key={t.id} value={t.id}>
                  {cleanText(t.name).slice(0, 60)} ({cleanText(t.kind)})
                </option>
              ))}
            </select>
          </label>
          {isConsole ? (
            <button disabled={busy || !chosen} onClick={() => run(true)} data-testid="dry-run-button">
              dry run
            </button>
          ) : null}
          <button disabled={busy || !chosen || approved === 0} onClick={() => run(false)} data-testid="push-button">
            push {approved} approved items of v{set.version}
          </button>
          {approved === 0 ? <span className="muted">approve items first: only approved items are pushed</span> : null}
        </div>
      ) : null}
      {dry ? (
        <p data-testid="dry-run-result">
          dry run, nothing changed: would add {fmtInt(dry.plan.add.length)}, remove {fmtInt(dry.plan.remove.length)}, keep {fmtInt(dry.plan.unchanged.length)};{' '}
          {fmtInt(dry.drift.length)} changed by hand; {fmtInt(dry.humanMade)} human-made left alone
          {dry.skipped.length ? `; ${fmtInt(dry.skipped.length)} approved items this console cannot carry` : ''}
        </p>
      ) : null}
      {pulls.length ? (
        <p className="muted">
          {pulls.length} pull target{pulls.length > 1 ? 's' : ''} fetch the approved items themselves (GET /api/v1/policy-targets/&lt;id&gt;/export).
        </p>
      ) : null}
      <ErrorBox error={error} />
    </Card>
  );
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Evidence only some item types carry (newer engines): shown where present, numbers only. */
function ExtraEvidence({ evidence: e }: { evidence: ExclusionItemView['evidence'] }) {
  const lines: string[] = [];
  if (isCount(e.directories)) lines.push(`in ${fmtInt(e.directories)} directories${isCount(e.distinctPaths) ? `, ${fmtInt(e.distinctPaths)} paths` : ''}`);
  if (isCount(e.filesScanned)) lines.push(`${fmtInt(e.filesScanned)} files scanned${isCount(e.scanRank) ? ` (rank #${fmtInt(e.scanRank)})` : ''}`);
  else if (isCount(e.scanRank)) lines.push(`scan rank #${fmtInt(e.scanRank)}`);
  return (
    <>
      {lines.map((l) => (
        <span key={l} data-testid="extra-evidence">
          <br />
          {l}
        </span>
      ))}
    </>
  );
}

/** What each item would remove: its events in the evidence window, approved ones highlighted. */
function ExpectedReduction({ items }: { items: ExclusionItemView[] }) {
  const events = (i: ExclusionItemView) => i.evidence?.totalCount ?? 0;
  const total = items.reduce((a, i) => a + events(i), 0);
  const approved = items.filter((i) => decisionOf(i).status === 'approved').reduce((a, i) => a + events(i), 0);
  const top = [...items].sort((a, b) => events(b) - events(a)).slice(0, 15);
  return (
    <Card title="Expected reduction (events each item covers)" testId="expected-reduction">
      <p data-testid="reduction-summary">
        all {fmtInt(items.length)} items: {fmtInt(total)} events · approved so far: {fmtInt(approved)} events
        {total ? ` (${((100 * approved) / total).toFixed(0)} %)` : ''}
      </p>
      <Bars
        testId="reduction-bars"
        unit="events"
        bars={top.map((i) => ({
          key: i.id,
          label: i.value,
          value: events(i),
          highlight: decisionOf(i).status === 'approved',
          note: <span className="muted">{cleanText(i.type)}</span>,
        }))}
      />
      {items.length > top.length ? (
        <p className="muted">
          the {top.length} largest of {items.length}
        </p>
      ) : null}
    </Card>
  );
}

function decisionOf(i: ExclusionItemView): { status: string; by?: string; comment?: string; until?: string; widened?: string[] } {
  const d = i.decision;
  return { status: d.status, by: d.decidedBy, comment: d.comment, until: d.snoozeUntil, widened: d.widened };
}

type Action = 'approve' | 'reject' | 'snooze';

function Decide({ item, onDone }: { item: ExclusionItemView; onDone: (msg: string) => void }) {
  const { api, caps } = useSession();
  const [comment, setComment] = useState('');
  const { busy, error, run } = useAction();
  const decide = (action: Action) =>
    run(async () => {
      // The API names decisions approve|approved etc.; use whichever it declares.
      const decision = caps.decisionValues.find((v) => v.startsWith(action)) ?? action;
      const body: Record<string, string> = { decision, comment: comment.trim() || `${action} from the dashboard` };
      if (action === 'snooze') body.snoozeUntil = new Date(Date.now() + 7 * 86_400_000).toISOString();
      await api.post(`/api/v1/exclusion-items/${encodeURIComponent(item.id)}/decision`, body);
      onDone(`${decision}: ${cleanText(item.value)}`);
    });
  return (
    <div className="decide">
      <input placeholder="comment" value={comment} maxLength={1000} onChange={(e) => setComment(e.target.value)} aria-label="decision comment" />
      <button disabled={busy} onClick={() => decide('approve')} data-testid="approve">
        approve
      </button>
      <button disabled={busy} onClick={() => decide('reject')} data-testid="reject">
        reject
      </button>
      <button disabled={busy} onClick={() => decide('snooze')} data-testid="snooze" title="snooze for 7 days">
        snooze
      </button>
      <ErrorBox error={error} />
    </div>
  );
}

const DIFF_LISTS = ['added', 'removed', 'changed'] as const;
/** An added or removed entry, or a changed one (which may say what widened). */
type DiffEntry = ExclusionSetDiffView['added'][number] & { widened?: string[] };

function Diff({ setId }: { setId: string }) {
  const { api } = useSession();
  const diff = useAsync(() => api.get<ExclusionSetDiffView>(`/api/v1/exclusion-sets/${encodeURIComponent(setId)}/diff`), [setId]);
  if (diff.error instanceof ApiError && diff.error.status === 404) return <div className="muted">no previous version to compare with</div>;
  const data = diff.data;
  return (
    <div data-testid="diff">
      <ErrorBox error={diff.error} />
      {data
        ? DIFF_LISTS.map((k) => (
            <div key={k}>
              <h3>
                {k} ({data[k].length})
              </h3>
              <ul>
                {(data[k] as DiffEntry[]).slice(0, 200).map((x, i) => (
                  <li key={i}>
                    <code>{cleanText(x.type)}</code> <SafeText value={x.value} max={100} />
                    {x.widened?.length ? (
                      <span className="risk high" data-testid="diff-widened">
                        {' '}
                        widened: <SafeText value={x.widened.join('; ')} max={120} />
                      </span>
                    ) : null}
                  </li>
                ))}
              </ul>
            </div>
          ))
        : null}
    </div>
  );
}

export function ExclusionsPage() {
  const { api, me, caps } = useSession();
  const set = useAsync(() => api.get<ExclusionSetView>('/api/v1/exclusion-sets/latest'), []);
  const [notice, setNotice] = useState('');
  const action = useAction();
  const { busy, error } = action;
  const canDecide = roleAllows(me.role, 'approver') && caps.has('post', DECISION_PATH);
  const canRecompute = roleAllows(me.role, 'approver');
  const canPush = roleAllows(me.role, 'approver') && caps.has('post', PUSH_PATH) && caps.has('get', TARGETS_PATH);
  const [pushed, setPushed] = useState(0);
  const [includeUnreviewed, setIncludeUnreviewed] = useState(false);
  const run = (label: string, fn: () => Promise<string>) =>
    action.run(async () => {
      try {
        setNotice(await fn());
      } finally {
        if (label === 'recompute') set.reload();
      }
    });
  const recompute = () =>
    run('recompute', async () => {
      const { jobId } = await api.post<QueuedJob>('/api/v1/exclusion-sets/recompute');
      for (let i = 0; i < 240; i++) {
        const job = await api.get<JobState>(`/api/v1/exclusion-sets/jobs/${encodeURIComponent(jobId)}`);
        if (job.state === 'completed') return 'recomputed';
        if (job.state === 'failed') throw new Error(`recompute failed: ${job.failedReason ?? 'unknown'}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      return 'recompute still running';
    });
  const notFound = set.error instanceof ApiError && set.error.status === 404;
  return (
    <PageLayout
      title="Exclusions"
      tools={
        <>
          {canRecompute ? (
            <button disabled={busy} onClick={recompute} data-testid="recompute">
              recompute now
            </button>
          ) : null}
          <Notice text={notice} />
        </>
      }
    >
      <ErrorBox error={error} />
      {notFound ? <Card title="No recommended set yet">The exclusion job has not produced a set yet.</Card> : <ErrorBox error={set.error} />}
      <Loading when={set.loading && !set.data} />
      {set.data ? (
        <>
          <Card
            title={`Recommended set v${set.data.version} · ${fmtDate(set.data.createdAt)} · ${set.data.items.length} items`}
            testId="exclusion-set"
            actions={
              <div className="exports" data-testid="exports">
                {includeUnreviewed ? 'export all (marked UNREVIEWED):' : 'export approved:'}{' '}
                {caps.exportFormats.map((f) => (
                  <button
                    key={f}
                    disabled={busy}
                    data-testid={`export-${f}`}
                    onClick={() =>
                      run('export', async () => {
                        // The hub exports approved items only; include=all adds the rest and marks the file unreviewed.
                        const query = `format=${encodeURIComponent(f)}${includeUnreviewed ? '&include=all' : ''}`;
                        const name = `${includeUnreviewed ? 'UNREVIEWED-' : ''}exclusions-${f}`;
                        return `downloaded ${await api.download(`/api/v1/exclusion-sets/${set.data!.id}/export?${query}`, name)}`;
                      })
                    }
                  >
                    {f}
                  </button>
                ))}
                <label className="muted" title="Pending, rejected and snoozed items too; the file says it is unreviewed">
                  <input
                    type="checkbox"
                    data-testid="export-include-unreviewed"
                    checked={includeUnreviewed}
                    onChange={(e) => setIncludeUnreviewed(e.target.checked)}
                  />{' '}
                  include unreviewed
                </label>
              </div>
            }
          >
            <DataTable className="items" testId="exclusion-items" columns={['type', 'value', 'risk', 'evidence', 'reason', 'status', canDecide && 'decision']}>
              {set.data.items.map((i) => (
                <tr key={i.id} data-item-id={i.id}>
                  <td>
                    <code>{cleanText(i.type)}</code>
                  </td>
                  <td className="subject">
                    <SafeText value={i.value} max={60} />
                    {i.user ? (
                      <div className="muted">
                        user <SafeText value={i.user} max={20} />
                      </div>
                    ) : null}
                    {i.applyToChildren ? <div className="muted">applies to child processes</div> : null}
                  </td>
                  <td>
                    <span className={`risk ${cleanText(i.risk?.level)}`}>{cleanText(i.risk?.level ?? '?')}</span>
                    <div className="flags">{(i.risk?.flags ?? []).map((f) => cleanText(f)).join(', ')}</div>
                  </td>
                  <td className="evidence">
                    {fmtInt(i.evidence?.hosts)}/{fmtInt(i.evidence?.hostsReporting)} hosts
                    <br />
                    {fmtInt(i.evidence?.totalCount)} events
                    <br />
                    peak {fmtRate(i.evidence?.peakRatePerSecond)}/s
                    <ExtraEvidence evidence={i.evidence} />
                  </td>
                  <td className="reason">
                    <SafeText value={i.reason} max={240} className="wrap" />
                  </td>
                  <td data-testid="item-status">
                    {(() => {
                      const d = decisionOf(i);
                      return (
                        <>
                          <span className={`status ${cleanText(d.status)}`}>{cleanText(d.status)}</span>
                          {d.by ? (
                            <div className="muted">
                              by <SafeText value={d.by} max={30} />
                            </div>
                          ) : null}
                          {d.until ? <div className="muted">until {fmtDate(d.until)}</div> : null}
                          {d.widened?.length ? (
                            <div className="muted" data-testid="item-widened">
                              widened since approval: <SafeText value={d.widened.join('; ')} max={120} />
                            </div>
                          ) : null}
                          {d.comment ? (
                            <div className="muted">
                              <SafeText value={d.comment} max={60} />
                            </div>
                          ) : null}
                        </>
                      );
                    })()}
                  </td>
                  {canDecide ? (
                    <td>
                      <Decide
                        item={i}
                        onDone={(m) => {
                          setNotice(m);
                          set.reload();
                        }}
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </DataTable>
          </Card>
          <ExpectedReduction items={set.data.items} />
          <HostSuggestions suggestions={Array.isArray(set.data.hostScopedSuggestions) ? set.data.hostScopedSuggestions : []} />
          {canPush ? (
            <PushToTarget
              set={set.data}
              approved={set.data.items.filter((i) => decisionOf(i).status === 'approved').length}
              onPushed={(m) => {
                setNotice(m);
                setPushed((n) => n + 1);
              }}
            />
          ) : null}
          {caps.has('get', PUSH_HISTORY_PATH) ? <PushHistory refresh={pushed} /> : null}
          {caps.has('get', DIFF_PATH) ? (
            <Card title="Changes since the previous version" testId="diff-card">
              <Diff setId={set.data.id} />
            </Card>
          ) : null}
        </>
      ) : null}
    </PageLayout>
  );
}
