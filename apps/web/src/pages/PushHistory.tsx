import { useEffect, useState } from 'react';
import { Page, PUSH_HISTORY_PATH, PushHistoryRow } from '../api';
import { AsyncStatus, Card } from '../components';
import { useAsync, useSession } from '../context';
import { CursorPager } from '../pager';
import { SafeText, cleanText, fmtDate, fmtInt } from '../safe';
import { DataTable, numColumn } from '../table';

const PAGE = 20;

function lastResult(p: PushHistoryRow): string {
  if (p.mode === 'pull') return p.lastStatusCode ? `served ${p.lastStatusCode}` : 'served';
  const a = p.lastAttempt;
  if (!a) return p.status === 'queued' ? 'not tried yet' : (p.lastError ?? '–');
  return `${a.statusCode ?? 'no answer'}${a.error ? `: ${a.error}` : ''} (${a.durationMs} ms)`;
}

/**
 * Every push and served pull, newest first (optionally of one target), with
 * the result of the last delivery attempt. Refreshes itself while a push is
 * still queued or retrying; `refresh` changes when the parent pushed.
 */
export function PushHistory({ targetId, refresh = 0, title = 'Push history' }: { targetId?: string; refresh?: number; title?: string }) {
  const { api } = useSession();
  const [cursor, setCursor] = useState<string>();
  useEffect(() => setCursor(undefined), [targetId, refresh]);
  const list = useAsync(() => api.get<Page<PushHistoryRow>>(PUSH_HISTORY_PATH, { limit: PAGE, cursor, targetId }), [cursor, targetId, refresh]);
  const pending = (list.data?.items ?? []).some((p) => p.status === 'queued' || p.status === 'retrying');
  useEffect(() => {
    if (!pending) return;
    const t = setTimeout(list.reload, 1500);
    return () => clearTimeout(t);
  }, [pending, list.data]);
  return (
    <Card
      title={`${title} (${fmtInt(list.data?.total ?? 0)})`}
      testId="push-history"
      actions={<CursorPager cursor={cursor} nextCursor={list.data?.nextCursor} onChange={setCursor} />}
    >
      <AsyncStatus of={list} />
      {list.data && !list.data.items.length ? <div className="muted">nothing pushed yet</div> : null}
      {list.data?.items.length ? (
        <DataTable testId="push-history-table" columns={['when', 'target', 'set', numColumn('items'), 'status', numColumn('attempts'), 'last result', 'by']}>
          {list.data.items.map((p) => (
            <tr key={p.id} data-push-id={p.id}>
              <td>
                {fmtDate(p.createdAt)}
                {p.finishedAt ? <div className="muted">done {fmtDate(p.finishedAt)}</div> : null}
              </td>
              <td className="subject">
                <SafeText value={p.target.name} max={40} />
                <div className="muted">
                  {cleanText(p.mode)}
                  {p.format ? ` · ${cleanText(p.format)}` : ''}
                  {p.target.deleted ? ' · deleted' : ''}
                </div>
              </td>
              <td>v{p.set.version}</td>
              <td className="num">{fmtInt(p.itemCount)}</td>
              <td>
                <span className={`status ${cleanText(p.status)}`} data-testid="push-status">
                  {cleanText(p.status)}
                </span>
              </td>
              <td className="num">{fmtInt(p.attempts)}</td>
              <td className="subject">
                <SafeText value={lastResult(p)} max={70} />
              </td>
              <td>
                <SafeText value={p.requestedBy} max={24} />
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </Card>
  );
}
