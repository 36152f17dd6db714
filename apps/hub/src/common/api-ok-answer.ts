import { ApiOkResponse } from '@nestjs/swagger';
import type { z } from 'zod';
import { openApiArrayOf, openApiSchemaOf } from './openapi-schema';

/** A 200 answer of JSON shaped by `schema` (a @fleettune/api-contract schema), for the OpenAPI document. */
export const ApiOkJson = (schema: z.ZodType, description?: string) =>
  ApiOkResponse(description === undefined ? { schema: openApiSchemaOf(schema) } : { schema: openApiSchemaOf(schema), description });

/** A 200 answer of a JSON array of `item`, for the OpenAPI document. */
export const ApiOkJsonArray = (item: z.ZodType, description?: string) =>
  ApiOkResponse(description === undefined ? { schema: openApiArrayOf(item) } : { schema: openApiArrayOf(item), description });

/** A 200 answer that is a file (an export) in a content type chosen at run time, for the OpenAPI document. */
export const ApiOkFile = (description: string) =>
  ApiOkResponse({ description, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } });
