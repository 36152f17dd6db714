import { applyDecorators, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiQuery, ApiTags, ApiCreatedResponse } from '@nestjs/swagger';
import { z } from 'zod';
import { apiDate } from '../common/query-date';
import { ApiTokenGuard, AuthenticatedRequest } from '../auth/api-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { ROLES } from '../auth/roles';
import { AuditAction } from '../audit-log/audit-log.interceptor';
import { Page, offsetOf, offsetPage, pageQueryShape } from '../common/pagination';
import { ZodBody, ZodQuery } from '../common/zod-validation';
import { ApiTokenView, EnrollmentSecretView, TokensService } from './tokens.service';
import {
  apiTokenViewSchema,
  createdApiTokenSchema,
  createdEnrollmentSecretSchema,
  enrollmentSecretViewSchema,
  pageSchema,
  tokenSelfSchema,
  CreatedApiToken,
  CreatedEnrollmentSecret,
  TokenSelf,
} from '@fleettune/api-contract';
import { openApiSchemaOf } from '../common/openapi-schema';
import { ApiOkJson } from '../common/api-ok-answer';

// Names are shown in the dashboard and the audit log: printable, one line.
const name = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}\p{Cf}]+$/u, 'must not contain control characters');

const createTokenSchema = z.object({ name, role: z.enum(ROLES) }).strict();
const createSecretSchema = z
  .object({
    name,
    expiresAt: apiDate.refine((d) => d.getTime() > Date.now(), 'must be in the future').optional(),
    maxUses: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();
const listSchema = z.object({
  ...pageQueryShape,
  includeRevoked: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

const PageParams = () => (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
  ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } })(target, key, descriptor);
  ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })(target, key, descriptor);
  ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0 } })(target, key, descriptor);
  ApiQuery({ name: 'includeRevoked', required: false, schema: { type: 'boolean', default: false } })(target, key, descriptor);
};
type ListQuery = z.infer<typeof listSchema>;

/** An admin list of API tokens or enrollment secrets, paged, answered as {items, nextCursor, total} of `item`. */
const CredentialList = (path: string, item: z.ZodType, description: string) =>
  applyDecorators(Get(path), RequireRole('admin'), PageParams(), ApiOkJson(pageSchema(item), description));

/** An admin revocation of an API token or enrollment secret (audited), answered with the revoked credential. */
const CredentialRevoke = (path: string, action: string, view: z.ZodType, description: string) =>
  applyDecorators(Delete(path), RequireRole('admin'), AuditAction(action), HttpCode(200), ApiOkJson(view, description));

/** One page of a credential list: the query's offset, one row more than the limit (to know whether a next page exists). */
async function pageOf<T>(q: ListQuery, list: (skip: number, take: number, includeRevoked: boolean) => Promise<{ rows: T[]; total: number }>): Promise<Page<T>> {
  const offset = offsetOf(q);
  const { rows, total } = await list(offset, q.limit + 1, q.includeRevoked);
  return offsetPage(rows, q, offset, total);
}

@ApiTags('auth')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/v1')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Get('me')
  @ApiOkJson(tokenSelfSchema, 'The caller: token name and role')
  me(@Req() req: AuthenticatedRequest): TokenSelf {
    const p = req.principal!;
    return { name: p.name, role: p.role, tokenId: p.tokenId };
  }

  @Post('tokens')
  @RequireRole('admin')
  @AuditAction('token.create')
  @ApiBody({ schema: { type: 'object', required: ['name', 'role'], properties: { name: { type: 'string' }, role: { enum: [...ROLES] } } } })
  @ApiCreatedResponse({ schema: openApiSchemaOf(createdApiTokenSchema), description: 'The new token; `token` (the plaintext) is shown only in this answer' })
  createToken(@ZodBody(createTokenSchema) body: z.infer<typeof createTokenSchema>): Promise<CreatedApiToken<Date>> {
    return this.tokens.createToken(body.name, body.role);
  }

  @CredentialList('tokens', apiTokenViewSchema, 'API tokens (never their secret), newest first; {items, nextCursor, total}')
  listTokens(@ZodQuery(listSchema) q: ListQuery): Promise<Page<ApiTokenView>> {
    return pageOf(q, (skip, take, includeRevoked) => this.tokens.listTokens(skip, take, includeRevoked));
  }

  @CredentialRevoke('tokens/:id', 'token.revoke', apiTokenViewSchema, 'The revoked token')
  revokeToken(@Param('id', new ParseUUIDPipe()) id: string): Promise<ApiTokenView> {
    return this.tokens.revokeToken(id);
  }

  @Post('enrollment-secrets')
  @RequireRole('admin')
  @AuditAction('enrollment-secret.create')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' }, maxUses: { type: 'integer', minimum: 1 } },
    },
  })
  @ApiCreatedResponse({
    schema: openApiSchemaOf(createdEnrollmentSecretSchema),
    description: 'The new enrollment secret; `secret` (the plaintext) is shown only in this answer',
  })
  createSecret(@ZodBody(createSecretSchema) body: z.infer<typeof createSecretSchema>): Promise<CreatedEnrollmentSecret<Date>> {
    return this.tokens.createEnrollmentSecret(body.name, body.expiresAt, body.maxUses);
  }

  @CredentialList('enrollment-secrets', enrollmentSecretViewSchema, 'Enrollment secrets (never the secret), with uses, expiry and whether they still work')
  listSecrets(@ZodQuery(listSchema) q: ListQuery): Promise<Page<EnrollmentSecretView>> {
    return pageOf(q, (skip, take, includeRevoked) => this.tokens.listEnrollmentSecrets(skip, take, includeRevoked));
  }

  @CredentialRevoke(
    'enrollment-secrets/:id',
    'enrollment-secret.revoke',
    enrollmentSecretViewSchema,
    'The revoked secret; agents already enrolled keep their credentials',
  )
  revokeSecret(@Param('id', new ParseUUIDPipe()) id: string): Promise<EnrollmentSecretView> {
    return this.tokens.revokeEnrollmentSecret(id);
  }
}
