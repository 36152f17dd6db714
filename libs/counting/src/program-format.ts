/**
 * What a program file is, from its first bytes (issue 19 item 4: a Cisco
 * process exclusion "can only be implemented for Mach-O files", never a `#!`
 * script): `elf`, `mach-o` (thin or universal), `script` (`#!`), `other`
 * (read, none of these), `unreadable` (not a readable regular file where it
 * was looked at).
 */
export type ProgramFormat = 'elf' | 'mach-o' | 'script' | 'other' | 'unreadable';

export const PROGRAM_FORMATS: readonly ProgramFormat[] = ['elf', 'mach-o', 'script', 'other', 'unreadable'];

/**
 * Strength of each format's evidence when two readings of one program meet
 * (windows merged, hosts or sources combined): a script seen once is a script
 * (it can never be a process exclusion), a binary beats a reading that said
 * nothing, and "unknown" stays only when every reading was unknown.
 */
const STRENGTH: Record<ProgramFormat, number> = { unreadable: 1, other: 2, elf: 3, 'mach-o': 3, script: 4 };

/** The one format two readings of the same program stand for (either may be absent). */
export function mergeProgramFormats(a: ProgramFormat | undefined, b: ProgramFormat | undefined): ProgramFormat | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return STRENGTH[b] > STRENGTH[a] ? b : a;
}
