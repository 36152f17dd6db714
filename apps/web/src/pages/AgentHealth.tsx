import type { AgentStatusView } from '../api';
import { SafeText, fmtDate, fmtInt } from '../safe';

export function fmtBytes(n: number | null | undefined): string {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** Numbers from the hub are still checked: a malformed value shows as "–", never as NaN or a crash. */
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Badges for the hosts table: "degraded" (watchdog level > 0 or paused sources), "dropping" (spool dropped windows), "refused" (hub refused batches). */
export function AgentHealthBadges({ status }: { status: AgentStatusView | null | undefined }) {
  if (!status) return <span className="muted">–</span>;
  const dropped = num(status.droppedBatchesTotal) ?? 0;
  const rejected = num(status.rejectedBatchesTotal) ?? 0;
  const degraded = status.degraded === true || (num(status.degradeLevel) ?? 0) > 0;
  if (!degraded && dropped === 0 && rejected === 0) return <span className="status online">ok</span>;
  return (
    <span data-testid="agent-health-badges">
      {degraded ? (
        <span className="status pending" title={`watchdog degrade level ${fmtInt(num(status.degradeLevel))}`} data-testid="badge-degraded">
          degraded
        </span>
      ) : null}{' '}
      {dropped > 0 ? (
        <span
          className="status failed"
          title={`${fmtInt(dropped)} batches / ${fmtInt(num(status.droppedEventsTotal))} events dropped at the spool bound`}
          data-testid="badge-dropping"
        >
          dropping
        </span>
      ) : null}{' '}
      {rejected > 0 ? (
        <span className="status failed" title={`${fmtInt(rejected)} batches refused by the hub`} data-testid="badge-refused">
          refused
        </span>
      ) : null}
    </span>
  );
}

/** "12 (3.1 MiB)": the backlog cell of the hosts table. */
export function SpoolBacklog({ status }: { status: AgentStatusView | null | undefined }) {
  if (!status) return <>–</>;
  return (
    <>
      {fmtInt(num(status.spoolPendingBatches))} <span className="muted">({fmtBytes(num(status.spoolBytes))})</span>
    </>
  );
}

/** The host detail's list of everything the agent reported. */
export function AgentHealthDetail({ status }: { status: AgentStatusView | null | undefined }) {
  if (!status) return <p className="muted">The agent has not reported its spool and watchdog state yet (older agents do not).</p>;
  const bound = num(status.spoolBoundBytes);
  const paused = Array.isArray(status.pausedSources) ? status.pausedSources : [];
  const inputWarnings = Array.isArray(status.inputWarnings) ? status.inputWarnings : [];
  return (
    <div data-testid="agent-health">
      <h3>
        agent health <AgentHealthBadges status={status} />
      </h3>
      <table>
        <tbody>
          <tr>
            <th>spool backlog</th>
            <td>
              {fmtInt(num(status.spoolPendingBatches))} batches, {fmtBytes(num(status.spoolBytes))} of {bound ? fmtBytes(bound) : 'unbounded'}
            </td>
          </tr>
          <tr>
            <th>dropped at the bound</th>
            <td>
              {fmtInt(num(status.droppedBatchesTotal))} batches, {fmtInt(num(status.droppedEventsTotal))} events
            </td>
          </tr>
          <tr>
            <th>merged windows</th>
            <td>{fmtInt(num(status.mergesTotal))}</td>
          </tr>
          <tr>
            <th>refused by the hub</th>
            <td>{fmtInt(num(status.rejectedBatchesTotal))} batches</td>
          </tr>
          <tr>
            <th>watchdog</th>
            <td>
              {(num(status.degradeLevel) ?? 0) > 0 ? `degraded, level ${fmtInt(num(status.degradeLevel))}` : 'normal'}
              {paused.length ? (
                <>
                  {' '}
                  · paused{' '}
                  {paused.map((s, i) => (
                    <SafeText key={`${i}:${String(s)}`} value={s} max={32} className="tag" />
                  ))}
                </>
              ) : null}
            </td>
          </tr>
          {inputWarnings.length ? (
            <tr data-testid="input-warnings">
              <th>inputs yielding nothing</th>
              <td>
                {inputWarnings.map((w, i) => (
                  <div key={`${i}:${String(w)}`}>
                    <SafeText value={w} max={512} />
                  </div>
                ))}
              </td>
            </tr>
          ) : null}
          <tr>
            <th>agent process</th>
            <td>
              RSS {num(status.rssBytes) ? fmtBytes(num(status.rssBytes)) : '–'} · CPU{' '}
              {num(status.cpuPercent) !== undefined ? `${num(status.cpuPercent)!.toFixed(1)} %` : '–'}
            </td>
          </tr>
          <tr>
            <th>reported</th>
            <td>
              {fmtDate(status.reportedAt)} (batch {fmtInt(num(status.sequence))})
            </td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}
