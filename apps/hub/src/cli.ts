import { CommanderError } from 'commander';
import { buildCli } from './tokens/token-cli';

buildCli()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    process.stderr.write(`fleettune-hub-cli: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
