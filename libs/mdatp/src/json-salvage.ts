/**
 * Pulls the complete elements out of the array under `key` in JSON text that
 * does not parse as a whole (cut short, or damaged after the array started).
 * Each element is returned as its own text; `cut` is set when the array was
 * left open by the end of the text.
 */
export interface SalvagedArray {
  found: boolean;
  elements: string[];
  /** Text of an element that was cut by the end of the input, if any. */
  cut: boolean;
  /** Unparseable text met between elements (stops the salvage). */
  damaged: boolean;
}

/**
 * A scanned document parsed whole, or undefined when it was cut short (not
 * tried: salvageArray reads what it holds) or does not parse. Wrapped in
 * `{ value }` because `null` is a JSON value too.
 */
export function parseWholeDocument(text: string, truncated: boolean): { value: unknown } | undefined {
  if (truncated) return undefined;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

export function salvageArray(text: string, keyPattern: RegExp): SalvagedArray {
  const m = keyPattern.exec(text);
  if (!m) return { found: false, elements: [], cut: false, damaged: false };
  let i = m.index + m[0].length;
  const out: SalvagedArray = { found: true, elements: [], cut: false, damaged: false };
  const n = text.length;
  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t' || text[i] === ',')) i++;
    if (i >= n) {
      out.cut = true;
      return out;
    }
    const c = text[i];
    if (c === ']') return out;
    if (c !== '{') {
      out.damaged = true;
      return out;
    }
    const end = matchClose(text, i);
    if (end < 0) {
      out.cut = true;
      return out;
    }
    out.elements.push(text.slice(i, end + 1));
    i = end + 1;
  }
}

/** Index of the `}`/`]` closing the bracket at `start`, or -1 when the text ends first. */
function matchClose(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      else if (c === 0x0a) return -1; // a raw newline cannot be in a JSON string: cut here
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Looks up `obj[key]` ignoring case and `_`/`-` (camelCase and snake_case builds). */
export function looseGet(obj: Record<string, unknown>, ...keys: string[]): unknown {
  const wanted = new Set(keys.map(normKey));
  let found: unknown = undefined;
  for (const k of Object.keys(obj)) {
    if (wanted.has(normKey(k))) {
      found = obj[k];
      if (found !== undefined && found !== null) return found;
    }
  }
  return found;
}

export function normKey(k: string): string {
  return k.replace(/[_\-\s]/g, '').toLowerCase();
}

/** A non-negative integer given as a JSON number or a numeric string; undefined otherwise. */
export function toBigCount(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : Number.isFinite(v) && v >= 0 && Number.isInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'bigint') return v >= 0n ? v : undefined;
  if (typeof v === 'string') {
    const s = v.trim();
    return /^\d{1,30}$/.test(s) ? BigInt(s) : undefined;
  }
  return undefined;
}

export function toCount(v: unknown): number | undefined {
  const b = toBigCount(v);
  if (b === undefined || b > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(b);
}
