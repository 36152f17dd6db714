import type { TrendView } from '@fleettune/api-contract';
import { FormEvent, useMemo, useState } from 'react';
import { HOST_TAG_PATTERN, MAX_HOST_TAGS, roleAllows } from '../api';
import type { HostView } from '../api';
import { AsyncStatus, Card, ErrorBox } from '../components';
import { href, useAsync, useSession } from '../context';
import { FilterSelect, useFleetFacets } from '../filters';
import { PageLayout } from '../page-layout';
import { SafeText, cleanText, fmtDate, fmtInt } from '../safe';
import { LabeledSelect } from '../select';
import { DataTable, LinkCell } from '../table';
import { useAction } from '../use-action';
import { TrendChart } from '../TrendChart';
import { NoiseRow, NoiseTable } from './NoisePage';
import { AgentHealthBadges, AgentHealthDetail, SpoolBacklog } from './AgentHealth';
import { AuditdExclusions } from './AuditdExclusions';

export type Host = HostView;

/** Says that this host's data carries no user names or home paths (agent privacy mode, issue 18). */
export function RedactedBadge({ redacted }: { redacted?: boolean }) {
  if (!redacted) return null;
  return (
    <span
      className="status redacted"
      data-testid="host-redacted"
      title="The agent runs with --redact-users: home directories are /home/*/, users are local or system:<name>; no user name leaves this host"
    >
      users redacted
    </span>
  );
}

const TAGS_PATH = '/api/v1/hosts/{id}/tags';

export function Tags({ tags }: { tags?: string[] }) {
  if (!tags?.length) return null;
  return (
    <span className="tags" data-testid="host-tags">
      {tags.map((t, i) => (
        <SafeText key={`${i}:${t}`} value={t} max={32} className="tag" />
      ))}
    </span>
  );
}

/** Parses "a, b c" into tags; returns the problems instead when a tag breaks the hub's rule. */
export function parseTags(text: string): { tags: string[]; problems: string[] } {
  const tags = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  const problems = tags.filter((t) => !HOST_TAG_PATTERN.test(t)).map((t) => `"${cleanText(t).slice(0, 70)}" is not a tag (a-z, 0-9, . _ : -; up to 63)`);
  if (tags.length > MAX_HOST_TAGS) problems.push(`at most ${MAX_HOST_TAGS} tags per host (${tags.length} given)`);
  return { tags, problems };
}

/** Admin only: replace a host's tags. The hub validates again; its answer is shown as is. */
function TagEditor({ host, onSaved }: { host: Host; onSaved: () => void }) {
  const { api } = useSession();
  const [text, setText] = useState((host.tags ?? []).join(', '));
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const parsed = parseTags(text);
  const save = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    return run(async () => {
      await api.put(`/api/v1/hosts/${encodeURIComponent(host.id)}/tags`, { tags: parsed.tags });
      setSaved(true);
      onSaved();
    });
  };
  return (
    <form className="inline" onSubmit={save} data-testid="tag-editor">
      <input
        value={text}
        maxLength={2000}
        placeholder="tags, e.g. prod, team:web"
        onChange={(e) => {
          setText(e.target.value);
          setSaved(false);
        }}
        aria-label="host tags"
        className="wide"
        data-testid="tag-input"
      />
      <button type="submit" disabled={busy} data-testid="tag-save">
        save tags
      </button>
      {saved ? <span className="notice">saved</span> : null}
      {parsed.problems.length ? (
        <div className="muted" data-testid="tag-problems">
          {parsed.problems.join('; ')}
        </div>
      ) : null}
      <ErrorBox error={error} />
    </form>
  );
}

/** One host's events over time (the trend endpoint filtered to the host). */
function HostTrend({ id }: { id: string }) {
  const { api } = useSession();
  const [kind, setKind] = useState('exec');
  const trend = useAsync(() => api.get<TrendView>('/api/v1/noise/trend', { kind, hostId: id }), [id, kind]);
  const chart = useMemo(() => {
    const pts = trend.data?.points ?? [];
    return {
      times: pts.map((p) => Date.parse(p.t) / 1000),
      series: [{ label: `${kind} events on this host`, color: '#3b6fd8', values: pts.map((p) => p.total) }],
    };
  }, [trend.data, kind]);
  return (
    <div data-testid="host-trend">
      <h3>
        events over time{' '}
        <select value={kind} onChange={(e) => setKind(e.target.value)} aria-label="host trend kind">
          {['exec', 'file', 'key', 'syscall'].map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
      </h3>
      <ErrorBox error={trend.error} />
      {chart.times.length ? (
        <TrendChart
          times={chart.times}
          series={chart.series}
          height={180}
          bucketSeconds={trend.data?.bucket === 'minute' ? 60 : trend.data?.bucket === 'day' ? 86_400 : 3600}
        />
      ) : trend.data ? (
        <div className="muted">no {kind} events from this host</div>
      ) : null}
    </div>
  );
}

/** Issue 13: a pending host cannot upload until approved; a blocked one (agent revoked) until an admin lifts it and re-keys it. */
function EnrollmentBadge({ enrollment }: { enrollment: Host['enrollment'] }) {
  const why =
    enrollment === 'pending'
      ? 'awaits admin approval: its agent cannot upload yet'
      : 'blocked: its agent was revoked; an admin must lift the block and re-key it';
  return (
    <span className="status stale" title={why} data-testid="host-enrollment">
      {' '}
      {enrollment}
    </span>
  );
}

function EnrollmentAction({ host, onDone }: { host: Host; onDone: () => void }) {
  const { api } = useSession();
  const { error, run } = useAction();
  const action = host.enrollment === 'pending' ? 'approve' : 'unblock';
  return (
    <p>
      <button
        onClick={() =>
          run(async () => {
            await api.post(`/api/v1/hosts/${encodeURIComponent(host.id)}/${action}`);
            onDone();
          })
        }
      >
        {action === 'approve' ? 'Approve host' : 'Lift block'}
      </button>{' '}
      <span className="muted">{action === 'approve' ? 'lets its agent upload' : 'then re-key it (POST /api/v1/hosts/{id}/rekey) to give it a new agent'}</span>
      <ErrorBox error={error} />
    </p>
  );
}

const PAGE = 50;

function HostDetail({ id, onTagsSaved }: { id: string; onTagsSaved: () => void }) {
  const { api, me, caps } = useSession();
  const canTag = roleAllows(me.role, 'admin') && caps.has('put', TAGS_PATH);
  const host = useAsync(() => api.get<Host>(`/api/v1/hosts/${encodeURIComponent(id)}`), [id]);
  const [kind, setKind] = useState('exec');
  const noise = useAsync(() => api.get<NoiseRow[]>(`/api/v1/hosts/${encodeURIComponent(id)}/noise`, { kind, top: 15 }), [id, kind]);
  return (
    <Card
      title={
        <>
          Host <SafeText value={host.data?.hostname ?? id} max={60} />
        </>
      }
      actions={<a href={href('/hosts')}>all hosts</a>}
      testId="host-detail"
    >
      <ErrorBox error={host.error} />
      {host.data ? (
        <p>
          <span className={`status ${host.data.status}`}>{host.data.status}</span> <RedactedBadge redacted={host.data.usersRedacted} />
          {host.data.enrollment !== 'active' ? <EnrollmentBadge enrollment={host.data.enrollment} /> : null} · OS <SafeText value={host.data.os} max={30} /> ·
          agent <SafeText value={host.data.agentVersion ?? '–'} max={30} /> · last seen {fmtDate(host.data.lastSeenAt)} · enrolled{' '}
          {fmtDate(host.data.createdAt)} <Tags tags={host.data.tags} />
        </p>
      ) : null}
      {host.data && canTag && host.data.enrollment !== 'active' ? (
        <EnrollmentAction
          host={host.data}
          onDone={() => {
            host.reload();
            onTagsSaved();
          }}
        />
      ) : null}
      {host.data ? <AgentHealthDetail status={host.data.agentStatus} /> : null}
      {host.data?.os === 'linux' ? <AuditdExclusions id={id} /> : null}
      {host.data && canTag ? (
        <TagEditor
          key={`${host.data.id}:${(host.data.tags ?? []).join(',')}`}
          host={host.data}
          onSaved={() => {
            host.reload();
            onTagsSaved();
          }}
        />
      ) : null}
      <HostTrend id={id} />
      <div className="tabs">
        {['exec', 'parent', 'file', 'directory', 'extension', 'key', 'syscall'].map((k) => (
          <button key={k} className={k === kind ? 'active' : ''} onClick={() => setKind(k)}>
            {k}
          </button>
        ))}
      </div>
      <AsyncStatus of={noise} />
      {noise.data ? <NoiseTable rows={noise.data} kind={kind} testId="host-noise" /> : null}
    </Card>
  );
}

export function HostsPage({ id }: { id?: string }) {
  const { api } = useSession();
  const [q, setQ] = useState('');
  const [status, setStatus] = useState('');
  const [tag, setTag] = useState('');
  const [offset, setOffset] = useState(0);
  const { tags } = useFleetFacets();
  const list = useAsync(
    () => api.getWithTotal<Host[]>('/api/v1/hosts', { limit: PAGE, offset, q: q.trim() || undefined, status: status || undefined, tag: tag || undefined }),
    [q, status, tag, offset],
  );
  const total = list.data?.total ?? 0;
  /** A filter change starts again at the first page. */
  const refilter = (set: (v: string) => void) => (v: string) => {
    set(v);
    setOffset(0);
  };
  return (
    <PageLayout
      title="Hosts"
      tools={
        <>
          <label>
            search <input value={q} maxLength={200} placeholder="hostname" onChange={(e) => refilter(setQ)(e.target.value)} />
          </label>
          <LabeledSelect label="status" value={status} choices={['online', 'stale']} onChange={refilter(setStatus)} any />
          {tags.length ? <FilterSelect label="tag" value={tag} options={tags} onChange={refilter(setTag)} testId="hosts-tag-filter" /> : null}
        </>
      }
    >
      {id ? <HostDetail id={id} onTagsSaved={list.reload} /> : null}
      <Card
        title={`${fmtInt(total)} hosts`}
        actions={
          <>
            <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              previous
            </button>
            <span className="muted">
              {total ? offset + 1 : 0}–{Math.min(total, offset + PAGE)}
            </span>
            <button disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
              next
            </button>
          </>
        }
      >
        <AsyncStatus of={list} />
        <DataTable
          testId="hosts-table"
          columns={[
            'hostname',
            'status',
            'OS',
            'agent',
            'tags',
            'agent health',
            { label: 'spool backlog', title: "unacknowledged batches in the agent's spool (bytes)" },
            { label: 'dropped (refused)', title: "events dropped at the agent's spool bound (batches refused by the hub)" },
            'last seen',
          ]}
        >
          {(list.data?.data ?? []).map((h) => (
            <tr key={h.id} className={h.id === id ? 'selected' : ''}>
              <LinkCell to={href(`/hosts/${h.id}`)} text={h.hostname} max={50} />
              <td>
                <span className={`status ${h.status}`}>{h.status}</span> <RedactedBadge redacted={h.usersRedacted} />
                {h.enrollment !== 'active' ? <EnrollmentBadge enrollment={h.enrollment} /> : null}
              </td>
              <td>
                <SafeText value={h.os} max={20} />
              </td>
              <td>
                <SafeText value={h.agentVersion ?? '–'} max={20} />
              </td>
              <td className="subject">
                <Tags tags={h.tags} />
              </td>
              <td>
                <AgentHealthBadges status={h.agentStatus} />
              </td>
              <td>
                <SpoolBacklog status={h.agentStatus} />
              </td>
              <td>
                {h.agentStatus ? (
                  <>
                    {fmtInt(h.agentStatus.droppedEventsTotal)} <span className="muted">({fmtInt(h.agentStatus.rejectedBatchesTotal)})</span>
                  </>
                ) : (
                  '–'
                )}
              </td>
              <td>{fmtDate(h.lastSeenAt)}</td>
            </tr>
          ))}
        </DataTable>
      </Card>
    </PageLayout>
  );
}
