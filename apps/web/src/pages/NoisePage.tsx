import type { SubjectDetail } from '@fleettune/api-contract';
import { useState } from 'react';
import { AsyncStatus, Card, ErrorBox, TimeRangeSelect, sinceOf } from '../components';
import { href, useAsync, useSession } from '../context';
import { FilterSelect, useFleetFacets, useTagFilterAvailable } from '../filters';
import { PageLayout } from '../page-layout';
import { SafeText, fmtDate, fmtInt, fmtRate } from '../safe';
import { BAR_COLUMN, BarCell, DataTable, LinkCell, numColumn } from '../table';
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
    <DataTable testId={testId} columns={['subject', numColumn('count'), BAR_COLUMN, numColumn('hosts'), numColumn('per second'), '']}>
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
          <BarCell value={r.count} max={max} />
          <td className="num">{fmtInt(r.hosts)}</td>
          <td className="num">{fmtRate(r.ratePerSecond)}</td>
          <td>{section?.trend ? <a href={href('/trends', { kind, subject: r.subject })}>trend</a> : null}</td>
        </tr>
      ))}
    </DataTable>
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
      <AsyncStatus of={q} />
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
  const maxHostCount = Math.max(1, ...(q.data?.hosts ?? []).map((x) => x.count));
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
            <DataTable>
              {q.data.hosts.map((h) => (
                <tr key={h.hostId}>
                  <LinkCell to={href(`/hosts/${h.hostId}`)} text={h.hostname} max={40} />
                  <td className="num">{fmtInt(h.count)}</td>
                  <BarCell value={h.count} max={maxHostCount} />
                </tr>
              ))}
            </DataTable>
          </div>
          {kind === 'exec' ? (
            <div>
              <h3>started by</h3>
              <DataTable>
                {q.data.parents.map((p) => (
                  <tr key={p.parent}>
                    <td>{p.parent ? <SafeText value={p.parent} max={50} /> : <span className="muted">(unknown)</span>}</td>
                    <td className="num">{fmtInt(p.count)}</td>
                    <td className="num">{fmtInt(p.hosts)} hosts</td>
                  </tr>
                ))}
              </DataTable>
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
    <PageLayout
      title="Fleet noise"
      tools={
        <>
          <TimeRangeSelect value={range} onChange={setRange} />
          <FilterSelect label="OS" value={os} options={oses} onChange={setOs} testId="os-filter" />
          {tagFilter ? <FilterSelect label="host tag" value={tag} options={tags} onChange={setTag} testId="tag-filter" /> : null}
        </>
      }
    >
      {pick ? <DrillDown kind={pick.kind} row={pick.row} filters={filters} onClose={() => setPick(null)} /> : null}
      <div className="grid2">
        {NOISE_SECTIONS.map((s) => (
          <Section key={s.kind} {...s} filters={filters} onPick={(kind, row) => setPick({ kind, row })} />
        ))}
      </div>
    </PageLayout>
  );
}
