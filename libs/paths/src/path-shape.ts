import { baseName, normalizePath, parentDir } from './path-parts';

export interface PathGroup {
  /** A literal path (single member), a `dir/name-*.ext` wildcard, or the directory itself. */
  pattern: string;
  kind: 'path' | 'wildcard' | 'directory';
  members: string[];
}

export interface PathShapeOptions {
  /** Fewer siblings than this with the same shape stay literal paths. */
  minGroupSize?: number;
}

/**
 * Groups files whose names differ only by counters or random tokens
 * (`chunk-1.tmp` .. `chunk-1200.tmp`, `tmpa8Bc3z`, UUIDs), because each of
 * them is quiet on its own while the directory as a whole is the noise.
 */
export class PathShape {
  private readonly minGroupSize: number;

  constructor(options: PathShapeOptions = {}) {
    this.minGroupSize = Math.max(2, options.minGroupSize ?? 3);
  }

  /**
   * The name with counters and random tokens replaced by `*`
   * (`chunk-17.tmp` -> `chunk-*.tmp`). Delimiters and the last extension stay
   * literal so the shape still says what kind of file it is.
   */
  static shapeOfName(name: string): string {
    // UUIDs contain the '-' delimiter, so they are replaced before tokenizing.
    const parts = name.replace(UUID_ANYWHERE, '*').split(/([-_.~ +@,])/);
    const out = parts.map((tok, i) => {
      if (i % 2 === 1 || tok === '' || tok === '*') return tok; // delimiter, empty or already replaced
      if (isRandomToken(tok)) return '*';
      return tok.replace(/\d+/g, '*');
    });
    return out.join('').replace(/\*{2,}/g, '*');
  }

  /** Groups paths by (parent directory, name shape). Linear in the number of paths. */
  group(paths: Iterable<string>): PathGroup[] {
    const byShape = new Map<string, { dir: string; shape: string; members: string[] }>();
    const seen = new Set<string>();
    for (const raw of paths) {
      const p = normalizePath(raw);
      if (seen.has(p)) continue;
      seen.add(p);
      const dir = parentDir(p);
      const shape = PathShape.shapeOfName(baseName(p));
      const key = dir + '\u0000' + shape;
      let g = byShape.get(key);
      if (!g) byShape.set(key, (g = { dir, shape, members: [] }));
      g.members.push(p);
    }
    const groups: PathGroup[] = [];
    for (const g of byShape.values()) {
      if (g.members.length < this.minGroupSize || !g.shape.includes('*')) {
        for (const m of g.members) groups.push({ pattern: m, kind: 'path', members: [m] });
        continue;
      }
      // A shape with no literal text (`*`, `*.*`, `*-*`) names nothing more specific than the directory.
      const literal = g.shape.replace(/[*\-_.~ +@,]/g, '');
      if (literal === '' && g.dir !== '' && g.dir !== '/') {
        groups.push({ pattern: g.dir, kind: 'directory', members: g.members });
      } else {
        const prefix = g.dir === '/' ? '' : g.dir;
        groups.push({ pattern: `${prefix}/${g.shape}`, kind: 'wildcard', members: g.members });
      }
    }
    return groups;
  }
}

const UUID_ANYWHERE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Tokens a program generated rather than a person chose: hex ids, mkstemp suffixes, mixed base62. */
function isRandomToken(tok: string): boolean {
  if (/^\d+$/.test(tok)) return true;
  if (UUID.test(tok)) return true;
  if (tok.length >= 6 && /^[0-9a-f]+$/i.test(tok) && /\d/.test(tok) && /[a-f]/i.test(tok)) return true;
  if (/^tmp[A-Za-z0-9]{6,}$/.test(tok) && /[A-Z0-9]/.test(tok.slice(3))) return true;
  // Mixed-case base62 of 8+ chars with a digit: session ids, cache keys.
  if (tok.length >= 8 && /^[A-Za-z0-9]+$/.test(tok) && /\d/.test(tok) && /[a-z]/.test(tok) && /[A-Z]/.test(tok)) return true;
  return false;
}
