import * as fs from 'node:fs';

/**
 * The command line and environment systemd would give a service's ExecStart=, read from its unit
 * file and environment files: for machines (containers, CI) where systemd is not PID 1 and
 * `systemctl start` cannot run it. Covers what systemd.exec(5) and systemd.service(5) say about the
 * settings our unit uses: Environment= (several assignments a line, quotes), EnvironmentFile=
 * (optional with "-", overriding Environment=, # and ; comments), line continuations, "${VAR}" (the
 * value inside one word) and a word that is only "$VAR" (split on white space, no word if empty).
 */
export interface ServiceCommand {
  argv: string[];
  env: Record<string, string>;
}

/** The PATH systemd sets for system services (systemd.exec(5), "Environment variables in spawned processes"). */
export const SYSTEMD_DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The `key=value` settings of `[section]`, continuation lines joined, comments dropped. */
export function unitSettings(text: string, section: string): Array<[string, string]> {
  const joined = text.replace(/\\\n/g, ' ');
  const out: Array<[string, string]> = [];
  let current = '';
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (current === section && eq > 0) out.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return out;
}

/** Splits on white space outside double or single quotes, removing the quotes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]!));
  return words;
}

/** An environment file as systemd reads it: KEY=VALUE lines, optional quotes around the value. */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new Error(`not an environment assignment: ${line}`);
    const value = m[2]!;
    const quoted = /^"(.*)"$|^'(.*)'$/.exec(value);
    env[m[1]!] = quoted ? (quoted[1] ?? quoted[2]!) : value;
  }
  return env;
}

function expandWord(word: string, env: Record<string, string>): string[] {
  const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
  if (whole) return (env[whole[1]!] ?? '').split(/\s+/).filter(Boolean);
  return [word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? '')];
}

/** The argv and environment of the unit's (only) ExecStart=. `readFile` lets a test point EnvironmentFile= elsewhere. */
export function serviceCommand(unitText: string, readFile: (path: string) => string | undefined = readIfExists): ServiceCommand {
  const settings = unitSettings(unitText, 'Service');
  const env: Record<string, string> = { PATH: SYSTEMD_DEFAULT_PATH };
  for (const [key, value] of settings)
    if (key === 'Environment') for (const a of splitWords(value)) env[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
  for (const [key, value] of settings) {
    if (key !== 'EnvironmentFile') continue;
    const optional = value.startsWith('-');
    const file = optional ? value.slice(1) : value;
    const text = readFile(file);
    if (text === undefined) {
      if (optional) continue;
      throw new Error(`EnvironmentFile=${file} does not exist (systemd would refuse to start the unit)`);
    }
    Object.assign(env, parseEnvironmentFile(text));
  }
  const exec = settings.filter(([key]) => key === 'ExecStart');
  if (exec.length !== 1) throw new Error(`expected one ExecStart=, found ${exec.length}`);
  const words = splitWords(exec[0]![1]).flatMap((w) => expandWord(w, env));
  // Prefixes of the executable: "-" (failure ignored), "@", ":", "+", "!" (privileges); none change argv here.
  words[0] = words[0]!.replace(/^[-@:+!]+/, '');
  return { argv: words, env };
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
