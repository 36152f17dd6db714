import type { FleetCostView, HostCostView } from '@fleettune/api-contract';
import { useMemo } from 'react';
import { AsyncStatus, Card, ErrorBox, Loading } from '../components';
import { href, useAsync, useSession } from '../context';
import { PageLayout } from '../page-layout';
import { SafeText, fmtDate, fmtInt } from '../safe';
import { BAR_COLUMN, BarCell, DataTable, LinkCell, numColumn } from '../table';
import { TrendChart, TrendSeries } from '../TrendChart';

const COLORS = ['#3b6fd8', '#d8573b', '#2f9e6e', '#9b59b6', '#c99a1c', '#555'];
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${v.toFixed(2)} %`);

/** CPU% of one host's security products over time, one line per product. */
function HostCostChart({ hostId }: { hostId: string }) {
  const { api } = useSession();
  const cost = useAsync(() => api.get<HostCostView>(`/api/v1/cost/hosts/${encodeURIComponent(hostId)}`), [hostId]);
  const chart = useMemo(() => {
    const ws = cost.data?.windows ?? [];
    const names = [...new Set(ws.flatMap((w) => w.products.map((p) => p.name)))].slice(0, COLORS.length);
    const times = ws.map((w) => new Date(w.windowStart).getTime() / 1000);
    const series: TrendSeries[] = names.map((n, i) => ({
      label: `${n} CPU %`,
      color: COLORS[i],
      values: ws.map((w) => w.products.find((p) => p.name === n)?.cpuPercent ?? null),
    }));
    return { times, series };
  }, [cost.data]);
  return (
    <Card
      title={
        <>
          Security-agent CPU on <SafeText value={cost.data?.hostname ?? hostId} max={60} />
        </>
      }
      testId="host-cost"
    >
      <ErrorBox error={cost.error} />
      <Loading when={cost.loading} />
      {chart.times.length ? (
        <TrendChart times={chart.times} series={chart.series} bucketSeconds={60} />
      ) : !cost.loading ? (
        <p className="muted">no cost windows from this host yet</p>
      ) : null}
      {cost.data?.findings.length ? (
        <ul>
          {cost.data.findings.map((f, i) => (
            <li key={i}>
              <SafeText value={`${f.severity ?? ''} ${f.message ?? f.code ?? ''}${f.advice ? ` — ${f.advice}` : ''}`} max={300} />
            </li>
          ))}
        </ul>
      ) : null}
    </Card>
  );
}

/** What the noise costs: security products' CPU and memory, auditd health, fleet-wide and per host. */
export function CostPage({ hostId }: { hostId?: string }) {
  const { api } = useSession();
  const fleet = useAsync(() => api.get<FleetCostView>('/api/v1/cost/fleet', { top: 20 }), []);
  const selected = hostId ?? fleet.data?.topHosts[0]?.hostId;
  const s = fleet.data?.cpuPercentAcrossHosts;
  const maxCpu = Math.max(1e-9, ...(fleet.data?.topHosts ?? []).map((x) => x.cpuPercent));
  return (
    <PageLayout title="Cost">
      <AsyncStatus of={fleet} />
      {fleet.data ? (
        <Card title="Fleet" testId="fleet-cost">
          <p>
            {fmtInt(fleet.data.hostsReporting)} hosts reporting · security-agent CPU median {pct(s?.median)} (range {pct(s?.min)} – {pct(s?.max)}) ·{' '}
            {fmtInt(fleet.data.hostsWithLostEvents)} hosts lost audit events
          </p>
          <DataTable columns={['product', 'process', numColumn('hosts'), numColumn('CPU s'), numColumn('peak RSS MiB')]}>
            {fleet.data.products.map((p) => (
              <tr key={`${p.product}\u0000${p.name}`}>
                <td>
                  <SafeText value={p.product} max={40} />
                </td>
                <td>
                  <SafeText value={p.name} max={40} />
                </td>
                <td className="num">{fmtInt(p.hosts)}</td>
                <td className="num">{p.cpuSeconds.toFixed(1)}</td>
                <td className="num">{(p.peakRssKb / 1024).toFixed(1)}</td>
              </tr>
            ))}
          </DataTable>
          <h3>Top hosts by security-agent CPU</h3>
          <DataTable columns={['host', numColumn('CPU %'), BAR_COLUMN, numColumn('lost events'), numColumn('audit.log MiB/h'), 'last window']}>
            {fleet.data.topHosts.map((h) => (
              <tr key={h.hostId}>
                <LinkCell to={href(`/cost/${h.hostId}`)} text={h.hostname} max={50} />
                <td className="num">{pct(h.cpuPercent)}</td>
                <BarCell value={h.cpuPercent} max={maxCpu} />
                <td className="num">{fmtInt(h.lostEvents ?? 0)}</td>
                <td className="num">{h.logGrowthBytesPerHour === null ? '–' : (h.logGrowthBytesPerHour / 2 ** 20).toFixed(1)}</td>
                <td>{fmtDate(h.lastWindowEnd)}</td>
              </tr>
            ))}
          </DataTable>
          {fleet.data.topHosts.length === 0 ? <p className="muted">no host has reported cost yet</p> : null}
        </Card>
      ) : null}
      {selected ? <HostCostChart hostId={selected} /> : null}
    </PageLayout>
  );
}
