import { ReactNode } from 'react';
import { ApiError } from './api';

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
    <label>
      time range{' '}
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid="time-range">
        {TIME_RANGES.map((t) => (
          <option key={t.id} value={t.id}>
            {t.label}
          </option>
        ))}
      </select>
    </label>
  );
}
