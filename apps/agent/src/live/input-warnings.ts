/** Longest warning kept (the hub refuses longer strings). */
const MAX_WARNING_CHARS = 512;
/** Warnings kept at once (the newest win). */
const MAX_WARNINGS = 32;

/**
 * Inputs that yielded nothing (issue 19 item 7: `run` given a Cisco
 * execs.txt sent 0 events and said nothing). A warning goes to stderr at
 * once, loudly, and rides on every batch's AgentStatus so the hub shows it
 * for the host until the input yields events again.
 */
export class InputWarnings {
  private readonly byInput = new Map<string, string>();

  constructor(private readonly log: (msg: string) => void) {}

  /** `key` identifies the input (source + path); `why` says what was wrong. */
  warn(key: string, why: string): void {
    const text = `${key}: ${why}`.slice(0, MAX_WARNING_CHARS);
    if (this.byInput.get(key) !== text) this.log(`WARNING: ${text}`);
    this.byInput.delete(key);
    this.byInput.set(key, text);
    while (this.byInput.size > MAX_WARNINGS) this.byInput.delete(this.byInput.keys().next().value as string);
  }

  /** The input yields events (again): its warning is withdrawn. */
  clear(key: string): void {
    this.byInput.delete(key);
  }

  list(): string[] {
    return [...this.byInput.values()];
  }
}

/** Why an input that yielded no event did so, from its skip tally. */
export function nothingFromInput(skipped: number, reasons: Record<string, number>): string {
  const top = Object.entries(reasons)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([r, n]) => `${r} x${n}`)
    .join(', ');
  return skipped > 0
    ? `0 events; ${skipped} lines/records skipped (${top}): is this the right --source for this file?`
    : '0 events: the input is empty or holds nothing this source reads';
}
