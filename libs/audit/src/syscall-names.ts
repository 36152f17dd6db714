import { AARCH64_SYSCALLS, I386_SYSCALLS, X86_64_SYSCALLS } from './syscall-tables';

/**
 * Syscall number -> name per audit arch (the `arch=` field, AUDIT_ARCH_*), as
 * aureport -i prints them. Raw logs only carry the number; ENRICHED logs also
 * carry SYSCALL=name, but the table keeps both formats on one naming.
 */
function parseTable(compact: string): string[] {
  const names: string[] = [];
  for (const pair of compact.split(',')) {
    const sp = pair.indexOf(' ');
    names[Number(pair.slice(0, sp))] = pair.slice(sp + 1);
  }
  return names;
}

let tables: Map<string, string[]> | undefined;

function archTables(): Map<string, string[]> {
  // Built lazily: most processes that import the lib never look up a name.
  if (!tables) {
    const x86 = parseTable(X86_64_SYSCALLS);
    const arm64 = parseTable(AARCH64_SYSCALLS);
    const i386 = parseTable(I386_SYSCALLS);
    tables = new Map([
      ['c000003e', x86], // AUDIT_ARCH_X86_64
      ['c00000b7', arm64], // AUDIT_ARCH_AARCH64
      ['40000003', i386], // AUDIT_ARCH_I386
      ['x86_64', x86],
      ['aarch64', arm64],
      ['i386', i386],
    ]);
  }
  return tables;
}

/** Name of syscall `num` on `arch` (hex AUDIT_ARCH value or interpreted name); undefined if unknown. */
export function syscallName(arch: string, num: number): string | undefined {
  if (arch !== lastArch) {
    lastArch = arch;
    lastTable = archTables().get(arch.toLowerCase());
  }
  return lastTable ? lastTable[num] : undefined;
}

/** The table of the arch asked for last (a log has one or two archs). */
let lastArch: string | undefined;
let lastTable: string[] | undefined;

export const EXEC_SYSCALLS: ReadonlySet<string> = new Set(['execve', 'execveat']);
