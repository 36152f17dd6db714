/**
 * Admin-issued one-time tokens that move a host to a new agent (POST /api/v1/hosts/:id/rekey).
 * The new agent presents one where it would present the enrollment secret; the prefix routes it.
 */
export const REKEY_TOKEN_PREFIX = 'ftrekey_';
