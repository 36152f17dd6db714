import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PrismaService } from '../database/prisma.service';
import { REQUIRED_ROLE } from './require-role.decorator';
import { Role, isRole, roleAllows } from './roles';
import { bearerFrom, lookUpApiToken } from './bearer-token';
import { TokenDigester } from './token-digest';

export interface AuthenticatedPrincipal {
  tokenId: string;
  name: string;
  role: Role;
}

export type AuthenticatedRequest = { principal?: AuthenticatedPrincipal; headers: Record<string, unknown> };

@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(
    private readonly prisma: PrismaService,
    private readonly reflector: Reflector,
    private readonly digester: TokenDigester,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!bearerFrom(request.headers)) throw new UnauthorizedException('bearer token required');
    const token = await lookUpApiToken(this.prisma, this.digester, request);
    if (!token || token.revokedAt || !isRole(token.role)) throw new UnauthorizedException('invalid or revoked token');
    const needed =
      this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]) ??
      'viewer';
    if (!roleAllows(token.role, needed)) throw new ForbiddenException(`this action needs the ${needed} role`);
    request.principal = { tokenId: token.id, name: token.name, role: token.role };
    return true;
  }
}
