import { hasControlChars } from '@fleettune/paths';

/**
 * Values no line-oriented format can carry safely. A path with a newline
 * would become a second rule or row; such paths are refused, not escaped.
 */
export function lineUnsafeReason(value: string): string | undefined {
  if (hasControlChars(value)) return 'value contains control characters (newline, tab...); it cannot be written as one line';
  return undefined;
}

/** Characters XML 1.0 cannot represent at all (plist is XML 1.0). */
export function hasXmlForbiddenChars(value: string): boolean {
  return (
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(value) || /[\ud800-\udbff](?![\udc00-\udfff])|(^|[^\ud800-\udbff])[\udc00-\udfff]/.test(value)
  );
}

export const AUDIT_ONLY_REASON = 'auditd-only item; this format has no equivalent';
