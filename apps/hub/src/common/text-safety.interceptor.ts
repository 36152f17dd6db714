import { BadRequestException, CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { Observable } from 'rxjs';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Percent-decodes a URL's bytes; null when the escapes do not form valid UTF-8. */
function decodedUrl(url: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(url.slice(i + 1, i + 3))) {
      bytes.push(parseInt(url.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(url[i], 'utf8'));
    }
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

function firstNulPath(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (depth > 64 || value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return `${path}.${k.replace(/\u0000/g, '\\0')}`;
    const hit = firstNulPath(v, `${path}.${k}`, depth + 1);
    if (hit) return hit;
  }
  return null;
}

/**
 * PostgreSQL text cannot hold NUL and the hub never stores a silently
 * "repaired" string, so a URL whose escapes are not UTF-8 or that carries a
 * NUL, and a JSON body with a NUL in any string, are refused up front with a
 * 400 instead of failing deep in a query (which would surface as a 500).
 */
@Injectable()
export class TextSafetyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<Request>();
      const url = decodedUrl(req.originalUrl ?? req.url ?? '');
      if (url === null) throw new BadRequestException('the URL is not valid UTF-8 after percent-decoding');
      if (url.includes('\u0000')) throw new BadRequestException('the URL contains a NUL character');
      const nul = firstNulPath(req.body, 'body');
      if (nul) throw new BadRequestException(`${nul} contains a NUL character`);
    }
    return next.handle();
  }
}
