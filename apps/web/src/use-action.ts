import { useCallback, useState } from 'react';

/** What was thrown, as an Error (a rejected fetch may throw anything). */
export function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

export interface Action {
  /** True while an action runs: buttons that start one are disabled meanwhile. */
  busy: boolean;
  /** What the last action threw; cleared when the next one starts. */
  error: Error | undefined;
  run: (fn: () => Promise<void>) => Promise<void>;
}

/**
 * A button's action (approve, push, save...): runs `fn` with the busy flag set and keeps what it
 * threw for an ErrorBox, so every form reports a failed request the same way.
 */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const run = useCallback(async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(toError(e));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}
