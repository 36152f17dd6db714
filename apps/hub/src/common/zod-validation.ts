import { BadRequestException, ExecutionContext, createParamDecorator } from '@nestjs/common';
import { ZodType } from 'zod';

function parseOrThrow<T>(schema: ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new BadRequestException({
      message: `invalid ${where}`,
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

/** The request's query string, validated and coerced by a zod schema. */
export const ZodQuery = createParamDecorator((schema: ZodType, ctx: ExecutionContext) =>
  parseOrThrow(schema, ctx.switchToHttp().getRequest<{ query: unknown }>().query, 'query'),
);

/** The request's JSON body, validated by a zod schema. */
export const ZodBody = createParamDecorator((schema: ZodType, ctx: ExecutionContext) =>
  parseOrThrow(schema, ctx.switchToHttp().getRequest<{ body: unknown }>().body ?? {}, 'body'),
);
