/** `[node ]<sec>.<ms>:<serial>` of an event, as auditd writes it. */
export function eventIdOf(node: string, timestampMs: number, serial: number): string {
  const ms = String(timestampMs % 1000).padStart(3, '0');
  const id = `${Math.floor(timestampMs / 1000)}.${ms}:${serial}`;
  return node ? node + ' ' + id : id;
}

/**
 * One parsed audit record line. The parser fills a single reusable instance
 * (reset per line) so that parsing allocates only the strings it keeps.
 * Only the fields the counting needs are extracted.
 */
export class AuditRecord {
  /** `node=` prefix, '' when absent. */
  node = '';
  type = '';
  /** Event identity as text: `[node ]<sec>.<ms>:<serial>` (node, timestampMs and serial are the identity). */
  get id(): string {
    return eventIdOf(this.node, this.timestampMs, this.serial);
  }
  timestampMs = 0;
  serial = 0;
  // SYSCALL
  arch = '';
  syscallNumber = -1;
  /** `success=yes|no`; undefined when the record has no such field. */
  success: boolean | undefined = undefined;
  a1 = '';
  a2 = '';
  pid = -1;
  ppid = -1;
  uid = '';
  exe: string | undefined = undefined;
  // SYSCALL / CONFIG_CHANGE: decoded keys, (null) dropped, 0x01-joined keys split.
  keys: string[] = [];
  // ENRICHED interpreted fields
  interpretedSyscall = '';
  interpretedUid = '';
  // PATH
  name: string | undefined = undefined;
  nametype = '';
  item = -1;
  // CWD
  cwd: string | undefined = undefined;

  reset(): void {
    this.node = '';
    this.type = '';
    this.timestampMs = 0;
    this.serial = 0;
    this.arch = '';
    this.syscallNumber = -1;
    this.success = undefined;
    this.a1 = '';
    this.a2 = '';
    this.pid = -1;
    this.ppid = -1;
    this.uid = '';
    this.exe = undefined;
    // Drafts copy the keys they keep. A new array: emptying one in place gives
    // its storage back, and the next push would allocate a large one.
    if (this.keys.length) this.keys = [];
    this.interpretedSyscall = '';
    this.interpretedUid = '';
    this.name = undefined;
    this.nametype = '';
    this.item = -1;
    this.cwd = undefined;
  }
}
