import type { HostView } from '@fleettune/api-contract';
import { useMemo } from 'react';
import { useAsync, useSession } from './context';
import { cleanText, truncateMiddle } from './safe';
import { LabeledSelect } from './select';

/** The OSes and host tags of the fleet (from the first 1000 hosts), for the filter menus. */
export function useFleetFacets(): { oses: string[]; tags: string[] } {
  const { api } = useSession();
  const hosts = useAsync(() => api.get<HostView[]>('/api/v1/hosts', { limit: 1000 }), []);
  return useMemo(() => {
    const rows = hosts.data ?? [];
    return {
      oses: [...new Set(rows.map((h) => h.os))].sort(),
      tags: [...new Set(rows.flatMap((h) => (Array.isArray(h.tags) ? h.tags : [])))].sort(),
    };
  }, [hosts.data]);
}

/** Whether this hub filters noise by host tag (the `tag` query parameter is declared). */
export function useTagFilterAvailable(): boolean {
  const { caps } = useSession();
  return caps.hasParam('get', '/api/v1/noise/execs', 'tag');
}

/** A menu of values (cleaned for display; the raw value is what is sent), "any" first. */
export function FilterSelect({
  label,
  value,
  options,
  onChange,
  testId,
}: {
  label: string;
  value: string;
  options: string[];
  onChange: (v: string) => void;
  testId?: string;
}) {
  return (
    <LabeledSelect
      label={label}
      value={value}
      choices={options.map((o) => ({ value: o, label: truncateMiddle(cleanText(o), 40) }))}
      onChange={onChange}
      testId={testId}
      any
    />
  );
}
