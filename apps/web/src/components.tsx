import { ReactNode } from 'react';
import { ApiError } from './api';
import type { AsyncState } from './context';
import { LabeledSelect } from './select';

export function ErrorBox({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const status = error instanceof ApiError ? `${error.status}: ` : '';
  return (
    <div className="error" role="alert">
      {status}
      {error.message}
    </div>
  );
}

export function Card({ title, children, actions, testId }: { title: ReactNode; children: ReactNode; actions?: ReactNode; testId?: string }) {
  return (
    <section className="card" data-testid={testId}>
      <header>
        <h2>{title}</h2>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? <div className="muted">loading…</div> : null;
}

/** A fetch's failure, or "loading…" until its first answer (a reload keeps showing the old data). */
export function AsyncStatus({ of }: { of: Pick<AsyncState<unknown>, 'data' | 'error' | 'loading'> }) {
  return (
    <>
      <ErrorBox error={of.error} />
      <Loading when={of.loading && !of.data} />
    </>
  );
}

export const TIME_RANGES: Array<{ id: string; label: string; seconds: number | null }> = [
  { id: 'all', label: 'all time', seconds: null },
  { id: '1h', label: 'last hour', seconds: 3600 },
  { id: '24h', label: 'last 24 hours', seconds: 86_400 },
  { id: '7d', label: 'last 7 days', seconds: 7 * 86_400 },
  { id: '30d', label: 'last 30 days', seconds: 30 * 86_400 },
];

export function sinceOf(rangeId: string): string | undefined {
  const r = TIME_RANGES.find((t) => t.id === rangeId);
  return r?.seconds ? new Date(Date.now() - r.seconds * 1000).toISOString() : undefined;
}

export function TimeRangeSelect({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <LabeledSelect
      label="time range"
      value={value}
      choices={TIME_RANGES.map((t) => ({ value: t.id, label: t.label }))}
      onChange={onChange}
      testId="time-range"
    />
  );
}
