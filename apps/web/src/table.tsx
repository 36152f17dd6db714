import { ReactNode } from 'react';
import { SafeText } from './safe';

/** A header cell: its label, or its label with a class (`num` right-aligns) and a tooltip. */
export type Column = string | { label?: string; className?: string; title?: string };

/** A right-aligned (numbers) column. */
export function numColumn(label: string, title?: string): Column {
  return { label, className: 'num', title };
}

/** The header of a proportional bar column (decoration: hidden from screen readers). */
export const BAR_COLUMN: Column = { className: 'bar' };

function HeaderCell({ column }: { column: Column }) {
  const c = typeof column === 'string' ? { label: column } : column;
  return (
    <th className={c.className} title={c.title} aria-hidden={c.className === 'bar' ? 'true' : undefined}>
      {c.label}
    </th>
  );
}

/**
 * A table with one header row (columns that are `false` are left out, e.g. an action column the
 * caller may not use) and the caller's body rows. Without columns, no header.
 */
export function DataTable({
  columns,
  children,
  testId,
  className,
}: {
  columns?: Array<Column | false>;
  children: ReactNode;
  testId?: string;
  className?: string;
}) {
  return (
    <table data-testid={testId} className={className}>
      {columns ? (
        <thead>
          <tr>{columns.map((c, i) => (c === false ? null : <HeaderCell key={i} column={c} />))}</tr>
        </thead>
      ) : null}
      <tbody>{children}</tbody>
    </table>
  );
}

/** A cell with a bar as long as `value` is of `max` (the largest in the table). */
export function BarCell({ value, max }: { value: number; max: number }) {
  return (
    <td className="bar" aria-hidden="true">
      <span style={{ width: `${(100 * value) / max}%` }} />
    </td>
  );
}

/** A cell linking to another view of the dashboard; its text comes from hosts, so it is shown safely. */
export function LinkCell({ to, text, max }: { to: string; text: string; max: number }) {
  return (
    <td>
      <a href={to}>
        <SafeText value={text} max={max} />
      </a>
    </td>
  );
}
