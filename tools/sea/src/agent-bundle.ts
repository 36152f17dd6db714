/**
 * The agent as one CommonJS file (what the single executable carries), made
 * with esbuild. The parallel audit file reader starts worker threads from a
 * script file, which a bundle does not have: the worker is bundled on its own
 * first and its code set, in the bundle's first line, as the global the
 * reader starts threads from (`eval` workers), so the packaged agent reads
 * large logs on several threads like the node-run one.
 *   node tools/sea/dist/agent-bundle.js <outfile>
 */
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { BUNDLED_WORKER_SOURCE_GLOBAL } from '@fleettune/audit';

const REPO = path.resolve(__dirname, '..', '..', '..');
const COMMON = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', legalComments: 'none', logLevel: 'warning' } as const;

export function bundleAgent(outfile: string): void {
  const worker = buildSync({ ...COMMON, entryPoints: [path.join(REPO, 'libs', 'audit', 'dist', 'audit-range-worker.js')], write: false });
  const workerSource = worker.outputFiles[0]!.text;
  buildSync({
    ...COMMON,
    entryPoints: [path.join(REPO, 'apps', 'agent', 'dist', 'main.js')],
    outfile,
    banner: { js: `globalThis.${BUNDLED_WORKER_SOURCE_GLOBAL} = ${JSON.stringify(workerSource)};` },
  });
}

if (require.main === module) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: node tools/sea/dist/agent-bundle.js <outfile>\n');
    process.exit(2);
  }
  bundleAgent(out);
}
