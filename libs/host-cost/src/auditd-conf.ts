/** The auditd.conf settings that decide cost and loss. */
export interface AuditdConf {
  logFile?: string;
  /** auditd 2.x: `lossy` or `lossless` delivery to the dispatcher (audispd). */
  dispQos?: string;
  /** auditd 3.x: queue between auditd and its plugins, and what happens when it overflows. */
  qDepth?: number;
  overflowAction?: string;
  pluginDir?: string;
  /** MB before rotation; num_logs kept. */
  maxLogFileMb?: number;
  numLogs?: number;
  maxLogFileAction?: string;
  flush?: string;
  writeLogs?: boolean;
  raw: Record<string, string>;
}

/** `key = value` lines, `#` comments (auditd.conf and plugins.d/*.conf share the syntax). */
export function parseKeyValueConf(text: string): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const l = line.replace(/#.*$/, '').trim();
    const m = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(l);
    if (m) raw[m[1].toLowerCase()] = m[2].trim();
  }
  return raw;
}

export function parseAuditdConf(text: string): AuditdConf {
  const raw = parseKeyValueConf(text);
  const n = (k: string) => (raw[k] !== undefined && /^\d+$/.test(raw[k]) ? Number(raw[k]) : undefined);
  const s = (k: string) => raw[k];
  return {
    logFile: s('log_file'),
    dispQos: s('disp_qos')?.toLowerCase(),
    qDepth: n('q_depth'),
    overflowAction: s('overflow_action')?.toLowerCase(),
    pluginDir: s('plugin_dir'),
    maxLogFileMb: n('max_log_file'),
    numLogs: n('num_logs'),
    maxLogFileAction: s('max_log_file_action')?.toLowerCase(),
    flush: s('flush')?.toLowerCase(),
    writeLogs: raw['write_logs'] === undefined ? undefined : raw['write_logs'].toLowerCase() === 'yes',
    raw,
  };
}

/** One audispd/auditd plugin (`plugins.d/*.conf`, or `/etc/audisp/plugins.d` on auditd 2.x). */
export interface AuditPluginConf {
  name: string;
  active: boolean;
  path?: string;
  direction?: string;
  type?: string;
}

export function parseAuditPluginConf(name: string, text: string): AuditPluginConf {
  const raw = parseKeyValueConf(text);
  return {
    name: name.replace(/\.conf$/, ''),
    active: (raw['active'] ?? 'no').toLowerCase() === 'yes',
    path: raw['path'],
    direction: raw['direction'],
    type: raw['type'],
  };
}

/**
 * Whether events can be dropped on their way to the dispatcher's consumers
 * (e.g. mdatp_audisp_plugin). auditd 2.x: `disp_qos = lossy`. auditd 3.x has
 * no disp_qos: when its q_depth queue overflows, `overflow_action` decides,
 * and anything but `suspend`/`halt`/`single` drops the event for the plugins.
 */
export function dispatchIsLossy(conf: AuditdConf): boolean | undefined {
  if (conf.dispQos) return conf.dispQos === 'lossy';
  if (conf.overflowAction) return !['suspend', 'halt', 'single'].includes(conf.overflowAction);
  return undefined;
}

/** A short text for the dispatcher's delivery mode: `lossy`, `lossless`, or `overflow:<action>,q:<n>`. */
export function dispatchMode(conf: AuditdConf): string {
  if (conf.dispQos) return conf.dispQos;
  if (conf.overflowAction) return `overflow:${conf.overflowAction}${conf.qDepth !== undefined ? `,q:${conf.qDepth}` : ''}`;
  return '';
}
