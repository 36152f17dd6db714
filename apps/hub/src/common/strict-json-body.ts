import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { IncomingMessage, ServerResponse } from 'node:http';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * body-parser would turn invalid UTF-8 into U+FFFD and store the result: a
 * silent change of what the client sent. Such a body (or one in another
 * charset) is refused instead; http-errors keeps the status set here.
 */
export function refuseNonUtf8Body(_req: IncomingMessage, _res: ServerResponse, buf: Buffer, encoding: string): void {
  if (encoding.toLowerCase() !== 'utf-8') {
    throw Object.assign(new Error('request bodies must be UTF-8'), { status: 415, expose: true, type: 'charset.unsupported' });
  }
  try {
    utf8.decode(buf);
  } catch {
    throw Object.assign(new Error('request body is not valid UTF-8'), { status: 400, expose: true, type: 'entity.verify.failed' });
  }
}

/** Registers the JSON body parser with that check; Nest then skips its default one (same middleware name). */
export function useStrictJsonBody(app: INestApplication): void {
  (app as NestExpressApplication).useBodyParser('json', { verify: refuseNonUtf8Body });
}
