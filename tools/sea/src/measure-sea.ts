#!/usr/bin/env node
/**
 * Prints what `npm run build:agent-sea` produced: the single executable's
 * size, how long `--help` takes, and its idle RSS next to the same agent run
 * by node.   node tools/sea/dist/measure-sea.js [binary] [--json]
 */
import * as fs from 'node:fs';
import { agentCommand, idleRunRss, runAgent, SEA_BINARY } from './sea-process';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const binary = args.find((a) => !a.startsWith('--')) ?? SEA_BINARY;
  if (!fs.existsSync(binary)) throw new Error(`${binary} not found: build it with npm run build:agent-sea`);
  const sea = agentCommand('sea', binary);
  const help = runAgent(sea, ['--help']);
  if (help.status !== 0 || !/fleettune-agent/.test(help.stdout)) throw new Error(`${binary} --help failed (${help.status}): ${help.stderr}`);
  const version = runAgent(sea, ['--version']).stdout.trim();
  const seaRss = await idleRunRss(sea);
  const nodeRss = await idleRunRss(agentCommand('node'));
  const size = fs.statSync(binary).size;
  const nodeSize = fs.statSync(process.execPath).size;
  const r = { binary, version, sizeBytes: size, nodeBinaryBytes: nodeSize, helpMs: help.ms, idleRssBytes: seaRss, nodeIdleRssBytes: nodeRss };
  const mib = (b: number) => (b / 1048576).toFixed(1);
  process.stdout.write(
    json
      ? JSON.stringify(r) + '\n'
      : `fleettune-agent SEA ${version} (${process.platform}-${process.arch}, node ${process.version})\n` +
          `  size       ${mib(size)} MiB (${size} bytes; the node binary alone is ${mib(nodeSize)} MiB)\n` +
          `  --help     ${help.ms} ms\n` +
          `  idle RSS   ${mib(seaRss)} MiB ('run' following an empty log, hub unreachable) vs ${mib(nodeRss)} MiB for node apps/agent/dist/main.js\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`measure-sea: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
