/**
 * Remembers every per-host account name seen in the input and finds them in
 * output text. Matching is by token (path segments, then their dot/dash
 * parts), which is linear in the text and independent of how many thousand
 * names the fleet has.
 */
export class PerHostNameScrubber {
  private readonly names = new Set<string>();

  addName(name: string): void {
    if (name && name !== '*') this.names.add(name);
  }

  get size(): number {
    return this.names.size;
  }

  mentionsName(text: string): boolean {
    if (this.names.size === 0) return false;
    for (const token of tokens(text)) if (this.names.has(token)) return true;
    return false;
  }

  /** The text with every name-token replaced by `*`, for reporting what was refused. */
  redact(text: string): string {
    return text
      .split(/([/\s,;:()'"=])/)
      .map((seg) => {
        if (this.names.has(seg)) return '*';
        return seg
          .split(/([-_.@+~])/)
          .map((t) => (this.names.has(t) ? '*' : t))
          .join('');
      })
      .join('');
  }
}

function* tokens(text: string): Generator<string> {
  for (const seg of text.split(/[/\s,;:()'"=]+/)) {
    if (seg === '') continue;
    yield seg;
    if (!/[-_.@+~]/.test(seg)) continue;
    const bounds: [number, number][] = [];
    for (const m of seg.matchAll(/[^-_.@+~]+/g)) bounds.push([m.index!, m.index! + m[0].length]);
    // Names such as john.smith or j_doe span delimiters, so every contiguous run of parts is a token too.
    const maxRun = bounds.length > 12 ? 1 : bounds.length;
    for (let a = 0; a < bounds.length; a++) {
      for (let b = a; b < Math.min(bounds.length, a + maxRun); b++) yield seg.slice(bounds[a][0], bounds[b][1]);
    }
  }
}
