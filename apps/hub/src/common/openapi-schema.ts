import type { ApiResponseOptions } from '@nestjs/swagger';
import { z } from 'zod';

/** @nestjs/swagger's schema object type (its package exports it only through the decorators' options). */
type SchemaObject = NonNullable<Extract<ApiResponseOptions, { schema?: unknown }>['schema']>;

/**
 * The OpenAPI schema of a response, derived from its zod schema in `@fleettune/api-contract` so the
 * document and the dashboard's types come from one definition. `io: 'input'` describes the wire form
 * (timestamps as ISO strings, not the Dates the hub builds); the date-time pattern zod adds is dropped
 * (`format: date-time` says it).
 */
export function openApiSchemaOf(schema: z.ZodType): SchemaObject {
  return z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    override: (ctx) => {
      const s = ctx.jsonSchema as { format?: string; pattern?: string };
      if (s.format === 'date-time') delete s.pattern;
    },
  }) as SchemaObject;
}

/** The OpenAPI schema of a JSON array of `item`. */
export function openApiArrayOf(item: z.ZodType): SchemaObject {
  return openApiSchemaOf(z.array(item));
}
