import { useMemo, useState } from 'react';
import { Card, ErrorBox, Loading, TimeRangeSelect, sinceOf } from '../components';
import { useAsync, useSession } from '../context';
import { SafeText, fmtDate, fmtInt } from '../safe';
import { TrendChart, TrendSeries } from '../TrendChart';
import { NOISE_SECTIONS, NoiseRow } from './NoisePage';

interface Trend {
  kind: string;
  subject: string | null;
  bucket: string;
  points: Array<{ t: string; total: number; subject?: number; subjectHosts?: number }>;
}

const TREND_KINDS = NOISE_SECTIONS.filter((s) => s.trend);

export function TrendsPage({ params }: { params: URLSearchParams }) {
  const { api } = useSession();
  const kind = TREND_KINDS.some((k) => k.kind === params.get('kind')) ? params.get('kind')! : 'exec';
  const subject = params.get('subject') ?? '';
  const [bucket, setBucket] = useState(params.get('bucket') ?? 'auto');
  const [range, setRange] = useState('all');
  const setParam = (k: string, v: string) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    if (k === 'kind') p.delete('subject');
    window.location.hash = `/trends?${p.toString()}`;
  };
  const endpoint = TREND_KINDS.find((k) => k.kind === kind)!.endpoint;
  const top = useAsync(() => api.get<NoiseRow[]>(`/api/v1/noise/${endpoint}`, { top: 25, since: sinceOf(range) }), [endpoint, range]);
  const trend = useAsync(
    () => api.get<Trend>('/api/v1/noise/trend', { kind, subject: subject || undefined, bucket, since: sinceOf(range) }),
    [kind, subject, bucket, range],
  );
  const chart = useMemo(() => {
    const pts = trend.data?.points ?? [];
    const times = pts.map((p) => new Date(p.t).getTime() / 1000);
    const series: TrendSeries[] = [{ label: `fleet total (${kind})`, color: '#3b6fd8', values: pts.map((p) => p.total) }];
    if (trend.data?.subject) series.push({ label: 'selected subject', color: '#d8573b', values: pts.map((p) => p.subject ?? 0) });
    return { times, series };
  }, [trend.data, kind]);
  return (
    <div>
      <div className="toolbar">
        <h1>Trends</h1>
        <label>
          kind{' '}
          <select value={kind} onChange={(e) => setParam('kind', e.target.value)} data-testid="trend-kind">
            {TREND_KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.kind}
              </option>
            ))}
          </select>
        </label>
        <label>
          bucket{' '}
          <select value={bucket} onChange={(e) => setBucket(e.target.value)} data-testid="trend-bucket">
            <option value="auto">auto</option>
            <option value="minute">minute</option>
            <option value="hour">hour</option>
            <option value="day">day</option>
          </select>
        </label>
        <TimeRangeSelect value={range} onChange={setRange} />
      </div>
      <Card
        title={
          <>
            Noise over time{subject ? ': ' : ''}
            {subject ? <SafeText value={subject} max={80} /> : null}
          </>
        }
        testId="trend-card"
      >
        <ErrorBox error={trend.error} />
        <Loading when={trend.loading && !trend.data} />
        {trend.data && trend.data.points.length === 0 ? <div className="muted">no data in this range</div> : null}
        {trend.data && trend.data.points.length > 0 ? <TrendChart times={chart.times} series={chart.series} bucketSeconds={trend.data.bucket === 'minute' ? 60 : trend.data.bucket === 'day' ? 86_400 : 3600} /> : null}
        {trend.data && trend.data.points.length > 0 ? (
          <p className="muted">
            {trend.data.points.length} {trend.data.bucket} buckets, {fmtDate(trend.data.points[0].t)} – {fmtDate(trend.data.points[trend.data.points.length - 1].t)}; fleet total{' '}
            {fmtInt(trend.data.points.reduce((a, p) => a + p.total, 0))}
            {subject ? `, subject ${fmtInt(trend.data.points.reduce((a, p) => a + (p.subject ?? 0), 0))}` : ''}
          </p>
        ) : null}
      </Card>
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
    </div>
  );
}
