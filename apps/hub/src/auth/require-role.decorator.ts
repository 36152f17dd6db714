import { SetMetadata } from '@nestjs/common';
import { Role } from './roles';

export const REQUIRED_ROLE = 'fleettune:required-role';

/** The least role a route needs; routes without it need `viewer`. */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);
