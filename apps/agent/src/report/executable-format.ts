import * as fs from 'node:fs';

/**
 * What a program file is, from its first bytes (issue 19 item 4: an
 * extension-less `#!/bin/bash` script got a Cisco process exclusion, which
 * "can only be implemented for Mach-O files", seeds/cisco-secure-endpoint-mac-tuning.txt).
 *  - `elf`: 7F 'E' 'L' 'F';
 *  - `mach-o`: MH_MAGIC / MH_MAGIC_64 in either byte order (FEEDFACE, FEEDFACF,
 *    CEFAEDFE, CFFAEDFE), or a universal ("fat") binary FAT_MAGIC / FAT_MAGIC_64
 *    (CAFEBABE, CAFEBABF; big-endian, <mach-o/fat.h>);
 *  - `script`: starts with `#!`;
 *  - `other`: anything else; `unreadable`: not a readable regular file here.
 * CAFEBABE is also a Java class file's magic: a fat header is told apart by
 * its architecture count (a class file has its version there, >= 45).
 */
export type ExecutableFormat = 'elf' | 'mach-o' | 'script' | 'other' | 'unreadable';

export function executableFormatOf(head: Buffer): ExecutableFormat {
  if (head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) return 'script';
  if (head.length < 4) return 'other';
  const be = head.readUInt32BE(0);
  if (be === 0x7f454c46) return 'elf';
  if (be === 0xfeedface || be === 0xfeedfacf || be === 0xcefaedfe || be === 0xcffaedfe) return 'mach-o';
  if (be === 0xcafebabf) return 'mach-o';
  if (be === 0xcafebabe) return head.length >= 8 && head.readUInt32BE(4) > 0 && head.readUInt32BE(4) < 45 ? 'mach-o' : 'other';
  return 'other';
}

/** The format of the file at `path` on this host (8 bytes read). */
export function executableFormatOfFile(path: string): ExecutableFormat {
  let fd: number | undefined;
  try {
    // Checked before opening too: opening a device or FIFO may have effects of its own.
    if (!fs.statSync(path).isFile()) return 'unreadable';
    fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    if (!fs.fstatSync(fd).isFile()) return 'unreadable';
    const head = Buffer.alloc(8);
    const n = fs.readSync(fd, head, 0, 8, 0);
    return executableFormatOf(head.subarray(0, n));
  } catch {
    return 'unreadable';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
