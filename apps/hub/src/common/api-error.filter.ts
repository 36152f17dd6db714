import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';

/** The one error shape of the REST API. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  issues?: Array<{ path: string; message: string }>;
}

/** Turns any thrown value into {statusCode, error, message, issues?}; never leaks a stack trace. */
export function toApiErrorBody(exception: unknown): ApiErrorBody {
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const res = exception.getResponse();
    const error = STATUS_CODES[statusCode] ?? 'Error';
    if (typeof res === 'string') return { statusCode, error, message: res };
    // Extra fields some endpoints add (readyz's `checks`) are kept.
    const { message: m, issues: _issues, error: _error, statusCode: _status, ...rest } = res as Record<string, unknown>;
    const message = Array.isArray(m) ? m.join('; ') : typeof m === 'string' ? m : exception.message;
    const r = res as { issues?: unknown };
    const body: ApiErrorBody = { ...rest, statusCode, error, message };
    if (Array.isArray(r.issues)) body.issues = r.issues as ApiErrorBody['issues'];
    return body;
  }
  const client = clientErrorOf(exception);
  if (client) return { statusCode: client.status, error: STATUS_CODES[client.status] ?? 'Error', message: client.message };
  return { statusCode: 500, error: STATUS_CODES[500]!, message: 'internal error' };
}

/**
 * Errors of Express's own middleware (body-parser: malformed JSON, unsupported
 * charset, body too large, ...) are http-errors with a 4xx `status` and
 * `expose: true`: the client's fault, safe to show, not an internal error.
 */
function clientErrorOf(exception: unknown): { status: number; message: string } | null {
  if (typeof exception !== 'object' || exception === null) return null;
  const e = exception as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499 || e.expose !== true) return null;
  return { status, message: typeof e.message === 'string' ? e.message : (STATUS_CODES[status] ?? 'bad request') };
}

@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<{
      headersSent: boolean;
      status(code: number): { json(body: unknown): void };
    }>();
    const body = toApiErrorBody(exception);
    if (body.statusCode >= HttpStatus.INTERNAL_SERVER_ERROR) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    if (res.headersSent) return;
    res.status(body.statusCode).json(body);
  }
}
