import { Command, InvalidArgumentError, Option } from 'commander';
import { ActivityReportCounter } from '../report/activity-report';
import { formatReportTable } from '../report/report-table';
import { findEventSource, SUPPORTED_SOURCE_NAMES } from '../sources/event-sources';
import { InputError, openInput } from '../sources/open-input';
import { openDirectoryInput } from '../sources/directory-input';
import { formatSourceDetails, sourceDetailsJson } from '../report/source-details-report';
import { formatReportBy, REPORT_BY_DIMENSIONS, ReportByCounter, ReportByDimension } from '../pipeline/report-by';
import { LINUX_AUDIT_PARALLEL_MIN_BYTES, readLinuxAuditFile } from '../sources/linux-audit-file';
import { AgentPlatform, hostPlatform, parsePlatform, platformMismatch } from '../state/source-platforms';
import { executableFormatOfFile } from '../report/executable-format';
import type { ObservedEvent } from '@fleettune/counting';
import type { UserPathRedactor } from '@fleettune/paths';
import { ACCOUNTS_FILE_ENV, envFlag, REDACT_USERS_ENV } from '../privacy/privacy-env';

export interface ReportOptions {
  source: string;
  input: string;
  top: number;
  json: boolean;
  /** Extra section counting along one dimension, with rates per second. */
  by?: ReportByDimension;
  /** The platform the captures come from (default: this host's); shown, and checked against the source. */
  platform?: AgentPlatform;
  /** Privacy mode (issue 18): the report shows what `run --redact-users` would send. */
  redactUsers?: boolean;
  accountsFile?: string;
}

export interface ReportIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  /** Smallest input that gets a progress bar (default PROGRESS_MIN_BYTES). */
  progressMinBytes?: number;
  /** Smallest regular linux-audit file read on several threads (default LINUX_AUDIT_PARALLEL_MIN_BYTES). */
  parallelMinBytes?: number;
}

/** Inputs smaller than this are read too fast for a progress bar to help. */
export const PROGRESS_MIN_BYTES = 16 << 20;

/** Exit code for a usage error (unknown source), as distinct from a failed run (1). */
export const EXIT_USAGE = 2;

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/**
 * Counts one recorded input and prints the per-section counts (or one JSON
 * object with --json). Returns the process exit code; never throws for bad
 * input, which is counted as skipped.
 */
export async function runReport(o: ReportOptions, io: ReportIo): Promise<number> {
  const source = await findEventSource(o.source);
  if (!source) {
    io.stderr.write(`fleettune-agent: unknown source '${o.source}'; supported sources: ${SUPPORTED_SOURCE_NAMES.join(', ')}\n`);
    return EXIT_USAGE;
  }
  let input;
  try {
    input = (await openDirectoryInput(source.name, o.input)) ?? (await openInput(o.input, io.stdin));
  } catch (err) {
    if (err instanceof InputError) {
      io.stderr.write(`fleettune-agent: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  // A progress bar only where a person watches a large input being read: never in pipes or logs.
  // cli-progress is loaded only when a bar is shown (start-up time counts for a one-shot report).
  const { Presets, SingleBar } = io.stderr.isTTY ? await import('cli-progress') : { Presets: undefined, SingleBar: undefined };
  const bar =
    SingleBar && Presets && input.sizeBytes && input.sizeBytes >= (io.progressMinBytes ?? PROGRESS_MIN_BYTES)
      ? new SingleBar(
          { stream: io.stderr as NodeJS.WritableStream, format: 'reading [{bar}] {percentage}% {value}/{total} bytes', clearOnComplete: true },
          Presets.shades_classic,
        )
      : undefined;
  let done = 0;
  bar?.start(input.sizeBytes ?? 0, 0);

  const platform = o.platform ?? hostPlatform();
  const mismatch = platformMismatch(source.name, platform);
  if (mismatch) io.stderr.write(`fleettune-agent: WARNING: ${mismatch}\n`);
  let redactor: UserPathRedactor | undefined;
  try {
    // The redaction code (account database readers, the uplink's batch code and with it gRPC) is
    // loaded only in privacy mode: ~0.1 s of CPU at the start of every other report.
    if (o.redactUsers || envFlag(REDACT_USERS_ENV))
      redactor = (await import('../privacy/privacy-mode.js')).userRedactorFor(o, (msg) => io.stderr.write(`fleettune-agent: ${msg}\n`));
  } catch (err) {
    io.stderr.write(`fleettune-agent: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  const redaction = redactor ? await import('../privacy/batch-redaction.js') : undefined;
  const counter = new ActivityReportCounter();
  let read;
  let grouped: ReportByCounter | undefined;
  try {
    const byCounter = o.by ? new ReportByCounter(o.by) : undefined;
    grouped = byCounter;
    const count = (e: ObservedEvent) => {
      const x = redactor && redaction ? redaction.redactEvent(e, redactor) : e;
      counter.add(x);
      byCounter?.add(x);
    };
    // Large regular linux-audit files: the parallel file reader (same counts; events arrive as distinct events with counts).
    if (source.name === 'linux-audit' && input.isFile && (input.sizeBytes ?? 0) >= (io.parallelMinBytes ?? LINUX_AUDIT_PARALLEL_MIN_BYTES)) {
      (input.chunks as { destroy?: () => void }).destroy?.();
      read = await readLinuxAuditFile(o.input, (raw, n) => {
        const e = redactor && redaction ? redaction.redactEvent(raw, redactor) : raw;
        counter.add({ ...e, weight: n });
        if (byCounter) for (let i = 0; i < n; i++) byCounter.add(e);
      });
      bar?.update(input.sizeBytes ?? 0);
    } else
      read = await source.read(input.chunks, redactor ? count : byCounter ? (e) => (counter.add(e), byCounter.add(e)) : (e) => counter.add(e), {
        onBytes: bar
          ? (n) => {
              done += n;
              bar.update(Math.min(done, input.sizeBytes ?? done));
            }
          : undefined,
      });
  } catch (err) {
    bar?.stop();
    const code = (err as NodeJS.ErrnoException).code;
    io.stderr.write(`fleettune-agent: cannot read ${input.label}: ${code ?? (err as Error).message}\n`);
    return 1;
  }
  bar?.stop();

  const report = counter.build(source.name, read, o.top);
  // Captures of this host: each program's format from its file (a script is never a Mach-O/ELF process exclusion).
  if (platform === hostPlatform()) for (const e of report.execs) if (e.path.startsWith('/')) e.format = executableFormatOfFile(e.path);
  const by = grouped?.build(o.top, report.durationSeconds);
  if (o.json) {
    const doc = { ...report, platform, ...sourceDetailsJson(read, o.top), ...(by ? { by } : {}), ...(redactor ? { usersRedacted: true } : {}) };
    // Last pass: names first seen late in the input are hidden in earlier rows and source sections too.
    io.stdout.write(JSON.stringify(redactor && redaction ? redaction.redactReportValues(doc, redactor) : doc) + '\n');
  } else {
    const text = `Platform: ${platform}\n` + formatReportTable(report, input.label) + formatSourceDetails(read, o.top) + (by ? formatReportBy(by) : '');
    io.stdout.write(redactor ? redactor.redactText(text) : text);
  }
  return 0;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description("Count exec, file, audit-key and syscall activity in a recorded log and print it (like the vendors' per-host tools)")
    .requiredOption('--input <file|->', "log file to read, or '-' for stdin")
    .option('--source <name>', `event source (${SUPPORTED_SOURCE_NAMES.join(', ')})`, 'linux-audit')
    .option('--top <N>', 'rows per section', positiveInt, 20)
    .option('--json', 'print one JSON object instead of tables', false)
    .option(
      '--platform <darwin|linux>',
      "platform the captures come from, for another host's captures (a Mac's support bundle read on a Linux box); default: this host's",
      parsePlatform,
    )
    .addOption(new Option('--by <dimension>', 'also count by one dimension, with rates per second').choices([...REPORT_BY_DIMENSIONS]))
    .option(
      '--redact-users',
      `privacy mode (also ${REDACT_USERS_ENV}=1): show what run --redact-users sends: per-user path segments as *, users as local or system:<name>`,
      false,
    )
    .addOption(
      new Option('--accounts-file <passwd file>', 'local account database for --redact-users (default: /etc/passwd; dscl on macOS)').env(ACCOUNTS_FILE_ENV),
    )
    .action(async (opts: ReportOptions) => {
      const code = await runReport(opts, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
      if (code !== 0) process.exitCode = code;
    });
}
