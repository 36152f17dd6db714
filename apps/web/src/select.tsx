import { ReactNode } from 'react';

/** A choice of a menu: a value shown as is, or a value with its own label. */
export type Choice = string | { value: string | number; label: ReactNode };

/** A labelled menu; `any` adds a first choice "any" (value '': no filter). */
export function LabeledSelect({
  label,
  value,
  choices,
  onChange,
  testId,
  any,
}: {
  label: string;
  value: string | number;
  choices: readonly Choice[];
  onChange: (v: string) => void;
  testId?: string;
  any?: boolean;
}) {
  return (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        {any ? <option value="">any</option> : null}
        {choices.map((c) => {
          const { value: v, label: l } = typeof c === 'string' ? { value: c, label: c } : c;
          return (
            <option key={v} value={v}>
              {l}
            </option>
          );
        })}
      </select>
    </label>
  );
}
