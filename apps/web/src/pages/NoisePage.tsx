import type { SubjectDetail } from '@fleettune/api-contract';
import { useState } from 'react';
import { Card, ErrorBox, Loading, TimeRangeSelect, sinceOf } from '../components';
import { href, useAsync, useSession } from '../context';
import { FilterSelect, useFleetFacets, useTagFilterAvailable } from '../filters';
import { SafeText, fmtDate, fmtInt, fmtRate } from '../safe';
import type { NoiseRow } from '../api';

export type { NoiseRow } from '../api';

export const NOISE_SECTIONS: Array<{ kind: string; endpoint: string; title: string; trend: boolean }> = [
  { kind: 'exec', endpoint: 'execs', title: 'Top executables', trend: true },
  { kind: 'parent', endpoint: 'parents', title: 'Top parents (who starts them)', trend: true },
  { kind: 'file', endpoint: 'files', title: 'Top file paths', trend: true },
  { kind: 'directory', endpoint: 'directories', title: 'Top directories', trend: true },
  { kind: 'extension', endpoint: 'extensions', title: 'Top extensions', trend: false },
  { kind: 'key', endpoint: 'keys', title: 'Top audit keys', trend: true },
  { kind: 'syscall', endpoint: 'syscalls', title: 'Top syscalls', trend: true },
];

export function NoiseTable({ rows, kind, onPick, testId }: { rows: NoiseRow[]; kind: string; onPick?: (r: NoiseRow) => void; testId?: string }) {
  if (!rows.length) return <div className="muted">no data in this range</div>;
  const section = NOISE_SECTIONS.find((s) => s.kind === kind);
  const max = Math.max(1, ...rows.map((r) => r.count));
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          <th>subject</th>
          <th className="num">count</th>
          <th className="bar" aria-hidden="true"></th>
          <th className="num">hosts</th>
          <th className="num">per second</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.subject}>
            <td className="subject">
              {onPick ? (
                <button className="link" onClick={() => onPick(r)}>
                  <SafeText value={r.subject} max={70} />
                </button>
              ) : (
                <SafeText value={r.subject} max={70} />
              )}
            </td>
            <td className="num">{fmtInt(r.count)}</td>
            <td className="bar" aria-hidden="true">
              <span style={{ width: `${(100 * r.count) / max}%` }} />
            </td>
            <td className="num">{fmtInt(r.hosts)}</td>
            <td className="num">{fmtRate(r.ratePerSecond)}</td>
            <td>{section?.trend ? <a href={href('/trends', { kind, subject: r.subject })}>trend</a> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Section({
  kind,
  endpoint,
  title,
  filters,
  onPick,
}: {
  kind: string;
  endpoint: string;
  title: string;
  filters: Record<string, string | undefined>;
  onPick: (kind: string, r: NoiseRow) => void;
}) {
  const { api } = useSession();
  const q = useAsync(() => api.get<NoiseRow[]>(`/api/v1/noise/${endpoint}`, { top: 10, ...filters }), [endpoint, JSON.stringify(filters)]);
  return (
    <Card title={title} testId={`noise-${kind}`}>
      <ErrorBox error={q.error} />
      <Loading when={q.loading && !q.data} />
      {q.data ? <NoiseTable rows={q.data} kind={kind} onPick={(r) => onPick(kind, r)} testId={`noise-table-${kind}`} /> : null}
    </Card>
  );
}

function DrillDown({ kind, row, filters, onClose }: { kind: string; row: NoiseRow; filters: Record<string, string | undefined>; onClose: () => void }) {
  const { api } = useSession();
  const q = useAsync(
    () => api.get<SubjectDetail>('/api/v1/noise/subject', { kind, subject: row.subject, ...filters }),
    [kind, row.subject, JSON.stringify(filters)],
  );
  return (
    <Card
      title={
        <>
          {kind}: <SafeText value={row.subject} max={80} />
        </>
      }
      actions={<button onClick={onClose}>close</button>}
      testId="drill-down"
    >
      <p className="muted">
        {fmtInt(row.count)} events on {fmtInt(row.hosts)} hosts, {fmtDate(row.firstWindowStart)} – {fmtDate(row.lastWindowEnd)}
      </p>
      <ErrorBox error={q.error} />
      {q.data ? (
        <div className="grid2">
          <div>
            <h3>hosts</h3>
            <table>
              <tbody>
                {q.data.hosts.map((h) => (
                  <tr key={h.hostId}>
                    <td>
                      <a href={href(`/hosts/${h.hostId}`)}>
                        <SafeText value={h.hostname} max={40} />
                      </a>
                    </td>
                    <td className="num">{fmtInt(h.count)}</td>
                    <td className="bar" aria-hidden="true">
                      <span style={{ width: `${(100 * h.count) / Math.max(1, ...q.data!.hosts.map((x) => x.count))}%` }} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {kind === 'exec' ? (
            <div>
              <h3>started by</h3>
              <table>
                <tbody>
                  {q.data.parents.map((p) => (
                    <tr key={p.parent}>
                      <td>{p.parent ? <SafeText value={p.parent} max={50} /> : <span className="muted">(unknown)</span>}</td>
                      <td className="num">{fmtInt(p.count)}</td>
                      <td className="num">{fmtInt(p.hosts)} hosts</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </div>
      ) : null}
    </Card>
  );
}

export function NoisePage() {
  const [range, setRange] = useState('all');
  const [os, setOs] = useState('');
  const [tag, setTag] = useState('');
  const [pick, setPick] = useState<{ kind: string; row: NoiseRow } | null>(null);
  const { oses, tags } = useFleetFacets();
  const tagFilter = useTagFilterAvailable();
  const filters = { since: sinceOf(range), os: os || undefined, tag: tag || undefined };
  return (
    <div>
      <div className="toolbar">
        <h1>Fleet noise</h1>
        <TimeRangeSelect value={range} onChange={setRange} />
        <FilterSelect label="OS" value={os} options={oses} onChange={setOs} testId="os-filter" />
        {tagFilter ? <FilterSelect label="host tag" value={tag} options={tags} onChange={setTag} testId="tag-filter" /> : null}
      </div>
      {pick ? <DrillDown kind={pick.kind} row={pick.row} filters={filters} onClose={() => setPick(null)} /> : null}
      <div className="grid2">
        {NOISE_SECTIONS.map((s) => (
          <Section key={s.kind} {...s} filters={filters} onPick={(kind, row) => setPick({ kind, row })} />
        ))}
      </div>
    </div>
  );
}
