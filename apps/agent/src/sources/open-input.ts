import * as fs from 'node:fs';

/** An input that cannot be opened; its message is one line meant for the user. */
export class InputError extends Error {}

export interface OpenedInput {
  /** The bytes, in chunks of up to 1 MiB. */
  chunks: AsyncIterable<Buffer>;
  /** True for a regular file. */
  isFile: boolean;
  /** Bytes the chunks will hold, when known (a file, a directory of files): progress is shown against it. */
  sizeBytes?: number;
  /** 'stdin' or the path given. */
  label: string;
}

const CHUNK_BYTES = 1 << 20;

/** Opens `spec` ('-' for stdin, else a file path) as a stream of Buffer chunks. */
export async function openInput(spec: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<OpenedInput> {
  if (spec === '-') return { chunks: stdin as AsyncIterable<Buffer>, isFile: false, label: 'stdin' };
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(spec);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError(`input file not found: ${spec}`);
    if (code === 'EACCES') throw new InputError(`cannot read input file ${spec}: permission denied`);
    throw new InputError(`cannot open input file ${spec}: ${code ?? String(err)}`);
  }
  if (stat.isDirectory()) throw new InputError(`input is a directory, not a file: ${spec}`);
  try {
    await fs.promises.access(spec, fs.constants.R_OK);
  } catch {
    throw new InputError(`cannot read input file ${spec}: permission denied`);
  }
  const isFile = stat.isFile();
  return {
    chunks: fs.createReadStream(spec, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>,
    isFile,
    sizeBytes: isFile ? stat.size : undefined,
    label: spec,
  };
}
