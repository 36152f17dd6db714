import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { REQUIRED_ROLE } from './require-role.decorator';
import { Role, isRole, roleAllows } from './roles';
import { bearerFrom } from './bearer-token';
import { ApiTokenRepository } from './api-token.repository';
import { AuthFailureAudit } from '../audit-log/auth-failure-audit';

export interface AuthenticatedPrincipal {
  tokenId: string;
  name: string;
  role: Role;
}

export type AuthenticatedRequest = {
  principal?: AuthenticatedPrincipal;
  headers: Record<string, unknown>;
  ip?: string;
  method?: string;
  route?: { path?: string };
  socket?: { remoteAddress?: string };
};

@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(
    private readonly tokens: ApiTokenRepository,
    private readonly reflector: Reflector,
    private readonly failures: AuthFailureAudit,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const route = `${request.method ?? ''} ${request.route?.path ?? ''}`.trim();
    const client = request.ip ?? request.socket?.remoteAddress ?? 'unknown';
    // Refusals are audited (rate-limited per client, so guessing cannot flood the log).
    const refuse = (reason: string) => {
      this.failures.record({ channel: 'rest', outcome: '401', reason, client, route });
      return new UnauthorizedException(reason);
    };
    if (!bearerFrom(request.headers)) throw refuse('bearer token required');
    const token = await this.tokens.lookUp(request);
    if (!token || token.revokedAt || !isRole(token.role)) throw refuse('invalid or revoked token');
    const needed = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]) ?? 'viewer';
    if (!roleAllows(token.role, needed)) {
      const reason = `this action needs the ${needed} role`;
      this.failures.record({
        channel: 'rest',
        outcome: '403',
        reason,
        client: `token:${token.name}`,
        route,
        actor: { actor: `token:${token.name}`, role: token.role, tokenId: token.id },
      });
      throw new ForbiddenException(reason);
    }
    request.principal = { tokenId: token.id, name: token.name, role: token.role };
    return true;
  }
}
