import type { BeforeAfterView, ExclusionSetView, TrendView } from '@fleettune/api-contract';
import { useMemo, useState } from 'react';
import { Page, PUSH_HISTORY_PATH, PushHistoryRow, pushSucceeded } from '../api';
import { changePercent, meanRate, approvalsOf, pushLabel, pushTime, trendMarkers } from '../closed-loop';
import { AsyncStatus, Card, ErrorBox, TimeRangeSelect, sinceOf } from '../components';
import { useAsync, useSession } from '../context';
import { FilterSelect, useFleetFacets, useTagFilterAvailable } from '../filters';
import { PageLayout } from '../page-layout';
import { SafeText, fmtDate, fmtInt, fmtRate } from '../safe';
import { LabeledSelect } from '../select';
import { DataTable, numColumn } from '../table';
import { TrendChart, TrendSeries } from '../TrendChart';
import { NOISE_SECTIONS, NoiseRow } from './NoisePage';

const TREND_KINDS = NOISE_SECTIONS.filter((s) => s.trend);
const BEFORE_AFTER_PATH = '/api/v1/cost/before-after';

/**
 * The closed loop (issue 14 item 4): where the push is confirmed in force (a verified console read-back, or the
 * host's agent reporting its auditd rules applied) and what changed on those hosts only.
 */
function PushInForce({ view }: { view: BeforeAfterView }) {
  const c = view.confirmation;
  if (!c) return null;
  const agent = c.confirmed.filter((h) => h.basis === 'agent-applied').length;
  const console = c.confirmed.length - agent;
  const ev = view.summary.eventsPerSecond;
  return (
    <div data-testid="before-after-confirmation">
      <p>
        In force on <strong>{fmtInt(c.confirmed.length)}</strong> host{c.confirmed.length === 1 ? '' : 's'}
        {c.confirmed.length
          ? ` (${[agent ? `${agent} applied by the agent` : '', console ? `${console} read back from the console` : ''].filter(Boolean).join(', ')})`
          : ''}
        {c.unconfirmed.length ? `; not confirmed on ${fmtInt(c.unconfirmed.length)}` : ''}.
        {c.confirmed.length && ev.before.median !== null && ev.after.median !== null ? (
          <>
            {' '}
            On those hosts, median events/s {fmtRate(ev.before.median)} → {fmtRate(ev.after.median)}
            {ev.changePercent.median !== null ? ` (${ev.changePercent.median > 0 ? '+' : ''}${ev.changePercent.median.toFixed(0)} %)` : ''}.
          </>
        ) : null}
      </p>
      {c.unconfirmed.length ? (
        <details>
          <summary>why not confirmed</summary>
          <ul>
            {c.unconfirmed.slice(0, 50).map((h) => (
              <li key={h.hostId}>
                <SafeText value={h.hostname ?? h.hostId} max={60} />: <SafeText value={h.why} max={300} />
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
const BUCKET_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };
const WINDOWS: Array<{ minutes: number; label: string }> = [
  { minutes: 10, label: '10 minutes' },
  { minutes: 60, label: '1 hour' },
  { minutes: 6 * 60, label: '6 hours' },
  { minutes: 24 * 60, label: '24 hours' },
  { minutes: 72 * 60, label: '3 days' },
  { minutes: 7 * 24 * 60, label: '7 days' },
];

type Filters = { os?: string; tag?: string };

/**
 * Events of the subject (or the fleet total) with windows starting in
 * [from, to). Minute buckets are exact (the hub reads the raw counts); hour
 * and day buckets come from hourly rollups whose time filters round to whole
 * hours, so they are only asked for hour-aligned spans.
 */
async function eventsBetween(
  get: <T>(p: string, q: Record<string, string | undefined>) => Promise<T>,
  kind: string,
  subject: string,
  from: number,
  to: number,
  bucket: 'minute' | 'hour',
  filters: Filters,
): Promise<number> {
  if (to <= from) return 0;
  const t = await get<TrendView>('/api/v1/noise/trend', {
    kind,
    subject: subject || undefined,
    bucket,
    since: new Date(from * 1000).toISOString(),
    until: new Date(to * 1000).toISOString(),
    ...filters,
  });
  return t.points.reduce((a, p) => a + (subject ? (p.subject ?? 0) : p.total), 0);
}

/**
 * The before and after spans of a push. Up to a day: exact, in minute
 * buckets (at most 1440, under the trend's 2000-bucket cap). Longer: whole
 * hours around the push's hour, which is left out of both.
 */
export function beforeAfterSpans(at: number, minutes: number, now: number) {
  const span = minutes * 60;
  if (minutes <= 24 * 60) return { bucket: 'minute' as const, before: [at - span, at], after: [at, Math.min(at + span, now)] };
  const hourStart = Math.floor(at / 3600) * 3600;
  const hourEnd = hourStart + 3600;
  const nowHour = Math.floor(now / 3600) * 3600;
  return { bucket: 'hour' as const, before: [hourStart - span, hourStart], after: [hourEnd, Math.min(hourEnd + span, nowHour)] };
}

/** One side of the before/after comparison: its events, their mean rate and the span they were counted in (seconds). */
function PeriodRow({
  which,
  events,
  rate,
  span,
  note = '',
}: {
  which: 'before' | 'after';
  events: number;
  rate: number | null;
  span: number[];
  note?: string;
}) {
  return (
    <tr data-testid={`${which}-row`}>
      <td>{which}</td>
      <td className="num">{fmtInt(events)}</td>
      <td className="num">{fmtRate(rate)}</td>
      <td className="muted">
        {fmtDate(span[0] * 1000)} – {fmtDate(span[1] * 1000)}
        {note}
      </td>
    </tr>
  );
}

/** Closed loop: did the noise fall after a push? Mean rate in the N before vs the N after. */
function BeforeAfter({ kind, subject, pushes, filters }: { kind: string; subject: string; pushes: PushHistoryRow[]; filters: Filters }) {
  const { api, caps } = useSession();
  const ok = pushes.filter(pushSucceeded);
  const [pushId, setPushId] = useState('');
  const [minutes, setMinutes] = useState(60);
  const push = ok.find((p) => p.id === pushId) ?? ok[0];
  const q = useAsync(async () => {
    if (!push) return null;
    const at = pushTime(push);
    const s = beforeAfterSpans(at, minutes, Date.now() / 1000);
    const get = <T,>(p: string, qq: Record<string, string | undefined>) => api.get<T>(p, qq);
    const [before, after] = await Promise.all([
      eventsBetween(get, kind, subject, s.before[0], s.before[1], s.bucket, filters),
      eventsBetween(get, kind, subject, s.after[0], s.after[1], s.bucket, filters),
    ]);
    return {
      at,
      before,
      after,
      spans: s,
      beforeRate: meanRate(before, s.before[0], s.before[1]),
      afterRate: meanRate(after, s.after[0], s.after[1]),
      afterSeconds: Math.max(0, s.after[1] - s.after[0]),
    };
  }, [push?.id, minutes, kind, subject, JSON.stringify(filters)]);
  const inForce = useAsync(
    async () =>
      push && caps.has('get', BEFORE_AFTER_PATH) ? api.get<BeforeAfterView>(BEFORE_AFTER_PATH, { pushId: push.id, windowMinutes: String(minutes) }) : null,
    [push?.id, minutes],
  );
  if (!ok.length) return null;
  const r = q.data;
  const change = r ? changePercent(r.beforeRate, r.afterRate) : null;
  return (
    <Card
      title={<>Before / after a push: {subject ? <SafeText value={subject} max={60} /> : `fleet total (${kind})`}</>}
      testId="before-after"
      actions={
        <>
          <LabeledSelect
            label="push"
            value={push?.id ?? ''}
            choices={ok.slice(0, 50).map((p) => ({
              value: p.id,
              label: (
                <>
                  {fmtDate(pushTime(p) * 1000)} · {pushLabel(p).slice(0, 60)}
                </>
              ),
            }))}
            onChange={setPushId}
            testId="before-after-push"
          />
          <LabeledSelect
            label="window"
            value={minutes}
            choices={WINDOWS.map((w) => ({ value: w.minutes, label: w.label }))}
            onChange={(v) => setMinutes(Number(v))}
            testId="before-after-window"
          />
        </>
      }
    >
      <AsyncStatus of={q} />
      {r ? (
        <DataTable className="before-after" columns={['', numColumn('events'), numColumn('mean per second'), 'span']}>
          <PeriodRow which="before" events={r.before} rate={r.beforeRate} span={r.spans.before} />
          <PeriodRow which="after" events={r.after} rate={r.afterRate} span={r.spans.after} note={r.afterSeconds < minutes * 60 ? ' (so far)' : ''} />
        </DataTable>
      ) : null}
      {r?.spans.bucket === 'hour' ? <p className="muted">whole hours; the hour of the push is left out of both</p> : null}
      {r ? (
        <p data-testid="before-after-verdict">
          {change === null ? (
            <span className="muted">{r.before === 0 ? 'no events before the push to compare with' : 'no time has passed since the push'}</span>
          ) : (
            <span className={change < 0 ? 'good' : change > 0 ? 'bad' : ''}>
              {change < 0 ? 'fell' : change > 0 ? 'rose' : 'unchanged'} by {Math.abs(change).toFixed(0)} %
            </span>
          )}
        </p>
      ) : null}
      {inForce.data ? <PushInForce view={inForce.data} /> : null}
    </Card>
  );
}

export function TrendsPage({ params }: { params: URLSearchParams }) {
  const { api, caps } = useSession();
  const kind = TREND_KINDS.some((k) => k.kind === params.get('kind')) ? params.get('kind')! : 'exec';
  const subject = params.get('subject') ?? '';
  const tag = params.get('tag') ?? '';
  const [bucket, setBucket] = useState(params.get('bucket') ?? 'auto');
  const [range, setRange] = useState('all');
  const [os, setOs] = useState('');
  const { oses, tags } = useFleetFacets();
  const tagFilter = useTagFilterAvailable();
  const filters: Filters = { os: os || undefined, tag: tag || undefined };
  const setParam = (k: string, v: string) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    if (k === 'kind') p.delete('subject');
    window.location.hash = `/trends?${p.toString()}`;
  };
  const endpoint = TREND_KINDS.find((k) => k.kind === kind)!.endpoint;
  const top = useAsync(() => api.get<NoiseRow[]>(`/api/v1/noise/${endpoint}`, { top: 25, since: sinceOf(range), ...filters }), [endpoint, range, os, tag]);
  const trend = useAsync(
    () => api.get<TrendView>('/api/v1/noise/trend', { kind, subject: subject || undefined, bucket, since: sinceOf(range), ...filters }),
    [kind, subject, bucket, range, os, tag],
  );
  const pushes = useAsync(
    async () => (caps.has('get', PUSH_HISTORY_PATH) ? (await api.get<Page<PushHistoryRow>>(PUSH_HISTORY_PATH, { limit: 500 })).items : []),
    [],
  );
  const approvals = useAsync(async () => {
    try {
      return approvalsOf((await api.get<ExclusionSetView>('/api/v1/exclusion-sets/latest')).items);
    } catch {
      return []; // no set yet: nothing was approved
    }
  }, []);
  const bucketSeconds = BUCKET_SECONDS[trend.data?.bucket ?? 'hour'] ?? 3600;
  const markers = useMemo(() => trendMarkers(pushes.data ?? [], approvals.data ?? [], bucketSeconds), [pushes.data, approvals.data, bucketSeconds]);
  const chart = useMemo(() => {
    const pts = trend.data?.points ?? [];
    const times = pts.map((p) => new Date(p.t).getTime() / 1000);
    const series: TrendSeries[] = [{ label: `fleet total (${kind})`, color: '#3b6fd8', values: pts.map((p) => p.total) }];
    if (trend.data?.subject) series.push({ label: 'selected subject', color: '#d8573b', values: pts.map((p) => p.subject ?? 0) });
    return { times, series };
  }, [trend.data, kind]);
  const plotted = chart.times.length ? { from: chart.times[0], to: chart.times[chart.times.length - 1] + bucketSeconds } : null;
  return (
    <PageLayout
      title="Trends"
      tools={
        <>
          <LabeledSelect label="kind" value={kind} choices={TREND_KINDS.map((k) => k.kind)} onChange={(v) => setParam('kind', v)} testId="trend-kind" />
          <LabeledSelect label="bucket" value={bucket} choices={['auto', 'minute', 'hour', 'day']} onChange={setBucket} testId="trend-bucket" />
          <TimeRangeSelect value={range} onChange={setRange} />
          <FilterSelect label="OS" value={os} options={oses} onChange={setOs} testId="os-filter" />
          {tagFilter ? <FilterSelect label="host tag" value={tag} options={tags} onChange={(v) => setParam('tag', v)} testId="tag-filter" /> : null}
        </>
      }
    >
      <Card
        title={
          <>
            Noise over time{subject ? ': ' : ''}
            {subject ? <SafeText value={subject} max={80} /> : null}
          </>
        }
        testId="trend-card"
      >
        <AsyncStatus of={trend} />
        {trend.data && trend.data.points.length === 0 ? <div className="muted">no data in this range</div> : null}
        {trend.data && trend.data.points.length > 0 ? (
          <TrendChart times={chart.times} series={chart.series} bucketSeconds={bucketSeconds} markers={markers} />
        ) : null}
        {trend.data && trend.data.points.length > 0 ? (
          <p className="muted">
            {trend.data.points.length} {trend.data.bucket} buckets, {fmtDate(trend.data.points[0].t)} –{' '}
            {fmtDate(trend.data.points[trend.data.points.length - 1].t)}; fleet total {fmtInt(trend.data.points.reduce((a, p) => a + p.total, 0))}
            {subject ? `, subject ${fmtInt(trend.data.points.reduce((a, p) => a + (p.subject ?? 0), 0))}` : ''}
          </p>
        ) : null}
        {markers.length ? (
          <ul className="markers" data-testid="trend-markers">
            {markers.map((m) => (
              <li key={`${m.kind}${m.t}`} data-kind={m.kind}>
                <span className={`marker-key ${m.kind}`} aria-hidden="true" /> {fmtDate(m.t * 1000)} <SafeText value={m.label} max={70} />
                {plotted && (m.t < plotted.from || m.t > plotted.to) ? <span className="muted"> (outside the plotted data)</span> : null}
              </li>
            ))}
          </ul>
        ) : null}
      </Card>
      {caps.has('get', PUSH_HISTORY_PATH) ? <BeforeAfter kind={kind} subject={subject} pushes={pushes.data ?? []} filters={filters} /> : null}
      <Card title={`Pick a subject (top ${kind})`}>
        <ErrorBox error={top.error} />
        <ul className="subjects" data-testid="trend-subjects">
          <li>
            <button className={`link ${subject ? '' : 'active'}`} onClick={() => setParam('subject', '')}>
              fleet total only
            </button>
          </li>
          {(top.data ?? []).map((r) => (
            <li key={r.subject}>
              <button className={`link ${subject === r.subject ? 'active' : ''}`} onClick={() => setParam('subject', r.subject)}>
                <SafeText value={r.subject} max={70} />
              </button>{' '}
              <span className="muted">{fmtInt(r.count)}</span>
            </li>
          ))}
        </ul>
      </Card>
    </PageLayout>
  );
}
