import { ARCH_MACHINES, MACHINE_SYSCALLS } from './syscall-tables';

/**
 * Syscall number -> name per audit arch (the `arch=` field, AUDIT_ARCH_*), as
 * `ausearch -i` / `aureport -i` print them, for every arch auditd's own tables
 * know (x86_64, i386, aarch64, arm, ppc, ppc64, ppc64le, s390, s390x; the
 * tables are generated from auditd by tools/scripts/gen-syscall-tables.sh).
 * Raw logs only carry the number; ENRICHED logs also carry SYSCALL=name, but
 * the table keeps both formats on one naming.
 */
function parseTable(compact: string): string[] {
  const names: string[] = [];
  for (const pair of compact.split(',')) {
    const sp = pair.indexOf(' ');
    names[Number(pair.slice(0, sp))] = pair.slice(sp + 1);
  }
  return names;
}

const parsedByMachine = new Map<string, string[]>();

/** The table of an arch= value (hex, any case) or of a machine name (ENRICHED ARCH=); undefined if auditd has none. */
function tableOf(arch: string): string[] | undefined {
  const lower = arch.toLowerCase();
  // Built lazily, one machine at a time: a log has one or two archs.
  const machine = ARCH_MACHINES[lower.replace(/^0+(?=.)/, '')] ?? (MACHINE_SYSCALLS[lower] !== undefined ? lower : undefined);
  if (machine === undefined) return undefined;
  let t = parsedByMachine.get(machine);
  if (!t) parsedByMachine.set(machine, (t = parseTable(MACHINE_SYSCALLS[machine])));
  return t;
}

/** Name of syscall `num` on `arch` (hex AUDIT_ARCH value or interpreted name); undefined if unknown. */
export function syscallName(arch: string, num: number): string | undefined {
  if (arch !== lastArch) {
    lastArch = arch;
    lastTable = tableOf(arch);
  }
  return lastTable ? lastTable[num] : undefined;
}

/** The machine name auditd gives an arch= value (`ausearch -i`), or undefined when auditd does not know it. */
export function archMachine(arch: string): string | undefined {
  return ARCH_MACHINES[arch.toLowerCase().replace(/^0+(?=.)/, '')];
}

/** The table of the arch asked for last (a log has one or two archs). */
let lastArch: string | undefined;
let lastTable: string[] | undefined;

/** Exec syscalls by name: the same on every arch once the number is named with that arch's table. */
export const EXEC_SYSCALLS: ReadonlySet<string> = new Set(['execve', 'execveat']);
