/** API token roles, weakest first: each role may do everything the roles before it may. */
export const ROLES = ['viewer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Whether a token holding `held` may call an operation that needs `needed` (no role: nothing). */
export function roleAllows(held: Role | undefined, needed: Role): boolean {
  return !!held && ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v);
}
