import { ReactNode } from 'react';
import { SafeText, fmtInt } from './safe';

export interface Bar {
  key: string;
  label: string;
  value: number;
  /** Drawn in a second colour (e.g. approved items). */
  highlight?: boolean;
  note?: ReactNode;
}

/** A horizontal bar plot for numbers people compare: one row per thing, bars scaled to the largest. */
export function Bars({ bars, unit, testId }: { bars: Bar[]; unit?: string; testId?: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <div className="bars" data-testid={testId}>
      {bars.map((b) => (
        <div className="bar-row" key={b.key}>
          <div className="bar-label">
            <SafeText value={b.label} max={60} />
          </div>
          <div className="bar-track">
            <span className={`bar-fill ${b.highlight ? 'hl' : ''}`} style={{ width: `${(100 * b.value) / max}%` }} />
          </div>
          <div className="bar-value">
            {fmtInt(b.value)}
            {unit ? ` ${unit}` : ''}
            {b.note ? <> {b.note}</> : null}
          </div>
        </div>
      ))}
    </div>
  );
}
