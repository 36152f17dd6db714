export interface DsclUsers {
  /** uid -> user name. */
  byUid: Map<number, string>;
  skippedLines: number;
}

/**
 * Parses `dscl . list /Users UniqueID` output (`name<spaces>uid` per line,
 * e.g. `_amavisd   83`, `alice   501`, `nobody   -2`). The first name of a
 * uid wins (the listing is sorted by name, so the choice is stable).
 */
export function parseDsclUsers(text: string): DsclUsers {
  const byUid = new Map<number, string>();
  let skippedLines = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^(\S(?:.*\S)?)\s+(-?\d{1,10})$/.exec(line);
    if (!m) {
      skippedLines++;
      continue;
    }
    const uid = Number(m[2]);
    if (!byUid.has(uid)) byUid.set(uid, m[1]);
  }
  return { byUid, skippedLines };
}
