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

// The schema travels wrapped: Nest treats decorator data with a `transform`
// method (which zod schemas have) as a pipe.
type Wrapped = { schema: ZodType };

const QueryWithSchema = createParamDecorator(({ schema }: Wrapped, ctx: ExecutionContext) =>
  parseOrThrow(schema, ctx.switchToHttp().getRequest<{ query: unknown }>().query, 'query'),
);
const BodyWithSchema = createParamDecorator(({ schema }: Wrapped, ctx: ExecutionContext) =>
  parseOrThrow(schema, ctx.switchToHttp().getRequest<{ body: unknown }>().body ?? {}, 'body'),
);

/** The request's query string, validated and coerced by a zod schema. */
export const ZodQuery = (schema: ZodType) => QueryWithSchema({ schema });

/** The request's JSON body, validated by a zod schema. */
export const ZodBody = (schema: ZodType) => BodyWithSchema({ schema });
