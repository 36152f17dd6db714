// The role model is part of the API contract the dashboard shares.
export { ROLES, isRole, roleAllows } from '@fleettune/api-contract';
export type { Role } from '@fleettune/api-contract';
