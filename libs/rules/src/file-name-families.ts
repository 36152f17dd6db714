import { baseName, extensionOf, hasControlChars, hasWildcard, parentDir } from '@fleettune/paths';

export type FileFamilyType = 'extension' | 'filename';

/** Files that share an extension, or one exact file name, across many directories. */
export interface FileFamily {
  type: FileFamilyType;
  /** `.log` for an extension, the literal name for a file name. */
  value: string;
  /** Distinct directories (generalized, so `/home/*` counts once) holding such files. */
  directories: number;
  /** Distinct generalized paths. */
  paths: number;
}

export interface FileFamilyOptions {
  extensionMinDirectories: number;
  filenameMinDirectories: number;
}

export interface FileFamilies {
  families: FileFamily[];
  /** Per input path: index into `families` of its extension family, or -1. */
  extensionFamilyOf: Int32Array;
  /** Per input path: index into `families` of its file-name family, or -1. */
  nameFamilyOf: Int32Array;
}

/** Distinct directories of one key: a number while there is one, a Set from the second on (most keys never get one). */
interface Spread {
  firstDir: number;
  dirs: Set<number> | undefined;
  paths: number;
}

/**
 * Finds extensions and file names spread over many directories. A busy file
 * type in one or two directories is better excluded by path or wildcard
 * (narrower); only breadth makes an extension or a file name the right item,
 * e.g. `.log` files of a dozen apps, or `journal.db-wal` in every profile of an app.
 * Linear in the paths; one small record per distinct key.
 */
export function findFileFamilies(paths: readonly string[], options: FileFamilyOptions): FileFamilies {
  const dirIds = new Map<string, number>();
  const byExtension = new Map<string, Spread>();
  const byName = new Map<string, Spread>();
  const extOf: (string | undefined)[] = new Array(paths.length);
  const nameOf: (string | undefined)[] = new Array(paths.length);
  const note = (map: Map<string, Spread>, key: string, dir: number) => {
    const s = map.get(key);
    if (!s) {
      map.set(key, { firstDir: dir, dirs: undefined, paths: 1 });
      return;
    }
    s.paths++;
    if (s.dirs) s.dirs.add(dir);
    else if (dir !== s.firstDir) s.dirs = new Set([s.firstDir, dir]);
  };
  for (let i = 0; i < paths.length; i++) {
    const p = paths[i];
    if (typeof p !== 'string' || !p.startsWith('/') || hasControlChars(p)) continue;
    const name = baseName(p);
    // A name that is itself a pattern (generalized per-user name) is no literal file name or extension.
    if (name === '' || hasWildcard(name)) continue;
    const dirText = parentDir(p);
    let dir = dirIds.get(dirText);
    if (dir === undefined) dirIds.set(dirText, (dir = dirIds.size));
    nameOf[i] = name;
    note(byName, name, dir);
    const ext = extensionOf(p);
    if (ext !== '') {
      extOf[i] = ext;
      note(byExtension, ext, dir);
    }
  }

  const families: FileFamily[] = [];
  const indexOf = (map: Map<string, Spread>, type: FileFamilyType, min: number) => {
    const idx = new Map<string, number>();
    // Sorted, so family order (and every later tie) is independent of input order.
    for (const key of [...map.keys()].sort()) {
      const s = map.get(key)!;
      const directories = s.dirs ? s.dirs.size : 1;
      if (directories < min) continue;
      idx.set(key, families.length);
      families.push({ type, value: key, directories, paths: s.paths });
    }
    return idx;
  };
  const extIdx = indexOf(byExtension, 'extension', Math.max(2, options.extensionMinDirectories));
  const nameIdx = indexOf(byName, 'filename', Math.max(2, options.filenameMinDirectories));
  const extensionFamilyOf = new Int32Array(paths.length).fill(-1);
  const nameFamilyOf = new Int32Array(paths.length).fill(-1);
  for (let i = 0; i < paths.length; i++) {
    const e = extOf[i];
    if (e !== undefined) extensionFamilyOf[i] = extIdx.get(e) ?? -1;
    const n = nameOf[i];
    if (n !== undefined) nameFamilyOf[i] = nameIdx.get(n) ?? -1;
  }
  return { families, extensionFamilyOf, nameFamilyOf };
}
