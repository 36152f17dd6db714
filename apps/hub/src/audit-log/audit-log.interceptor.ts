import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable, catchError, tap, throwError } from 'rxjs';
import type { AuthenticatedPrincipal } from '../auth/api-token.guard';
import { AuditLogService, actorOf } from './audit-log.service';

export const AUDIT_ACTION = 'fleettune:audit-action';

/** Names the audit action of a write route (default: "<METHOD> <route>"). */
export const AuditAction = (action: string) => SetMetadata(AUDIT_ACTION, action);

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Req = {
  method: string;
  principal?: AuthenticatedPrincipal;
  route?: { path?: string };
  originalUrl?: string;
  params?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
};

/**
 * Records every write request that passed authentication (after the guard),
 * whether it succeeded or failed, with the route, target id and body (secrets redacted).
 */
@Injectable()
export class AuditLogInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: AuditLogService,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Req>();
    if (!WRITES.has(req.method) || !req.principal) return next.handle();
    const named = this.reflector.getAllAndOverride<string | undefined>(AUDIT_ACTION, [context.getHandler(), context.getClass()]);
    const route = req.route?.path ?? req.originalUrl?.split('?')[0] ?? '';
    const action = named ?? `${req.method} ${route}`;
    const write = (outcome: Record<string, unknown>, responseId?: string) =>
      this.audit.record(actorOf(req.principal), {
        action,
        targetType: route.replace(/^\/?api\/v1\//, '').split('/')[0] || undefined,
        targetId: req.params?.id ?? req.params?.jobId ?? responseId,
        details: { method: req.method, route, params: req.params, query: req.query, body: req.body, ...outcome },
      });
    return next.handle().pipe(
      tap((result) => {
        const id = result && typeof result === 'object' && 'id' in result ? String((result as { id: unknown }).id) : undefined;
        void write({ outcome: 'ok' }, id);
      }),
      catchError((err: unknown) => {
        void write({ outcome: 'error', status: err instanceof HttpException ? err.getStatus() : 500 });
        return throwError(() => err);
      }),
    );
  }
}
