#!/usr/bin/env node
import { Command } from 'commander';
import { registerReportCommand } from './commands/report-command';
import { AGENT_VERSION } from './version';

async function main(): Promise<void> {
  const program = new Command()
    .name('fleettune-agent')
    .description('Counts exec, file and audit activity on this host and streams it to a fleettune hub')
    .version(AGENT_VERSION)
    .showHelpAfterError();

  registerReportCommand(program);
  // `run` loads gRPC, protobuf, the spool and every live source (~0.1 s of CPU at start): a
  // `report`, which a user times against aureport, never needs them.
  if (process.argv[2] !== 'report') {
    (await import('./commands/run-command.js')).registerRunCommand(program);
    (await import('./commands/apply-exclusions-command.js')).registerApplyExclusionsCommand(program);
  }

  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  process.stderr.write(`fleettune-agent: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
