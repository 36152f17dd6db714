/**
 * RFC 4180 field: quoted when it holds a comma, quote or line break, quotes
 * doubled. Fields a spreadsheet would run as a formula (= + - @ first) get a
 * leading apostrophe (OWASP CSV injection advice); absolute paths never start so.
 */
export function csvField(value: string): string {
  const v = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
