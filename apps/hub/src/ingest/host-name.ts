/**
 * Host names are agent-chosen and end up in Slack text, exports, the dashboard and logs, so only
 * DNS host-name characters are accepted (RFC 1123 labels: letters, digits, inner hyphens; dots between
 * labels; a label at most 63 characters, the name at most 253). Anything else is refused with
 * INVALID_ARGUMENT, never normalized by the hub: a silently rewritten name could collide with another
 * host's. The agent normalizes its own OS host name before it enrolls (apps/agent/src/state/host-identity.ts).
 */
export const MAX_HOST_NAME = 253;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Why `name` is not an acceptable host name, or undefined when it is. */
export function hostNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'hostname is empty';
  if (name.length > MAX_HOST_NAME) return `hostname is longer than ${MAX_HOST_NAME} characters`;
  for (const label of name.split('.')) {
    if (!LABEL.test(label)) {
      return 'hostname must be DNS labels (letters, digits and inner hyphens, 1-63 characters each) joined by dots';
    }
  }
  return undefined;
}
