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
  return { statusCode: 500, error: STATUS_CODES[500]!, message: 'internal error' };
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
      this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    }
    if (res.headersSent) return;
    res.status(body.statusCode).json(body);
  }
}
