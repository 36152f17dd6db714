/**
 * POSIX single-quoting: nothing inside single quotes is special except the
 * quote itself, which is closed, escaped and reopened. Wildcards stay literal.
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
