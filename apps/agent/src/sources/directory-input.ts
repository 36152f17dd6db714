import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OpenedInput } from './open-input';

/** Sources that read a directory of files as one input. */
export const DIRECTORY_SOURCES: ReadonlySet<string> = new Set(['mdatp-rtp', 'cisco-support']);

const CHUNK_BYTES = 1 << 20;

async function* concat(files: Array<{ file: string; prefix?: Buffer }>): AsyncGenerator<Buffer> {
  for (const f of files) {
    if (f.prefix) yield f.prefix;
    let last = 0x0a;
    for await (const c of fs.createReadStream(f.file, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
      if (c.length) last = c[c.length - 1];
      yield c;
    }
    if (last !== 0x0a) yield Buffer.from('\n'); // files stay line-separated
  }
}

function walk(dir: string, depth: number, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isFile()) out.push(p);
    else if (e.isDirectory() && depth > 0) walk(p, depth - 1, out);
  }
}

/**
 * For sources that take several files (successive mdatp polls; an unpacked
 * Cisco support package), `spec` may be a directory: its files are read as
 * one stream. mdatp-rtp: every regular file, by name, each preceded by a
 * `{"pollTimeMs": <mtime>}` line. cisco-support: dscl/users listings first,
 * then execs*.txt / fileops*.txt, then ampdaemon.log* oldest first (up to 4
 * levels deep), each preceded by a file marker. Undefined when `spec` is not
 * a directory or the source reads single files only.
 */
export async function openDirectoryInput(sourceName: string, spec: string): Promise<OpenedInput | undefined> {
  if (!DIRECTORY_SOURCES.has(sourceName) || spec === '-') return undefined;
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(spec);
  } catch {
    return undefined;
  }
  if (!stat.isDirectory()) return undefined;
  const files: Array<{ file: string; prefix?: Buffer }> = [];
  if (sourceName === 'mdatp-rtp') {
    const names = fs.readdirSync(spec).sort();
    for (const n of names) {
      const file = path.join(spec, n);
      const s = fs.statSync(file);
      if (s.isFile()) files.push({ file, prefix: Buffer.from(JSON.stringify({ pollTimeMs: Math.round(s.mtimeMs) }) + '\n') });
    }
  } else {
    // Loaded here, not at the top: every `report` imports this file, few read a Cisco package.
    const { fileMarker, orderSupportFiles } = await import('./cisco-support-source.js');
    const all: string[] = [];
    walk(spec, 4, all);
    for (const { name: file } of orderSupportFiles(all.map((name) => ({ name })))) files.push({ file, prefix: fileMarker(file, fs.statSync(file).mtimeMs) });
  }
  // For progress: every file, its prefix, and the newline that may follow it.
  const sizeBytes = files.reduce((n, f) => n + fs.statSync(f.file).size + (f.prefix?.length ?? 0) + 1, 0);
  return { chunks: concat(files), isFile: false, sizeBytes, label: `${spec} (${files.length} files)` };
}
