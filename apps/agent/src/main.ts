#!/usr/bin/env node
import { Command } from 'commander';
import { registerReportCommand } from './commands/report-command';
import { registerRunCommand } from './commands/run-command';
import { AGENT_VERSION } from './version';

const program = new Command()
  .name('fleettune-agent')
  .description('Counts exec, file and audit activity on this host and streams it to a fleettune hub')
  .version(AGENT_VERSION)
  .showHelpAfterError();

registerReportCommand(program);
registerRunCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`fleettune-agent: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
