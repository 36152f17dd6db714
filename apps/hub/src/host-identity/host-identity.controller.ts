import { applyDecorators, Controller, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConflictResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { AuditAction } from '../audit-log/audit-log.interceptor';
import { ZodBody } from '../common/zod-validation';
import { z } from 'zod';
import { HostIdentityService, RekeyGrant } from './host-identity.service';
import { HostStanding } from './host-identity.repository';
import { hostStandingSchema, rekeyGrantSchema } from '@fleettune/api-contract';
import { ApiOkJson } from '../common/api-ok-answer';

/** An optional reason, kept in the audit log with the action; nothing else is accepted. */
const hostActionBodySchema = z.strictObject({ reason: z.string().max(500).optional() });
const HostActionBody = () =>
  ApiBody({ required: false, schema: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 500 } } } });

/** A change of a host's standing: POST /:id/<action>, audited as host.<action>, with an optional reason; 404 for an unknown host. */
const HostAction = (action: 'approve' | 'block' | 'unblock' | 'rekey') =>
  applyDecorators(Post(`:id/${action}`), HttpCode(200), AuditAction(`host.${action}`), HostActionBody(), ApiNotFoundResponse({ description: 'No such host' }));

@ApiTags('hosts')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@RequireRole('admin')
@Controller('api/v1/hosts')
export class HostIdentityController {
  constructor(private readonly hosts: HostIdentityService) {}

  @HostAction('approve')
  @ApiOkJson(hostStandingSchema, 'The host, now active: its agent may upload (with FLEETTUNE_ENROLL_REQUIRE_APPROVAL=1 new hosts start pending)')
  @ApiConflictResponse({ description: 'The host is blocked' })
  approve(@Param('id', new ParseUUIDPipe()) id: string, @ZodBody(hostActionBodySchema) _body: unknown): Promise<HostStanding> {
    return this.hosts.approve(id);
  }

  @HostAction('block')
  @ApiOkJson(hostStandingSchema, 'The host, now blocked: every agent of it revoked, no enrollment can take it until unblocked')
  block(@Param('id', new ParseUUIDPipe()) id: string, @ZodBody(hostActionBodySchema) _body: unknown): Promise<HostStanding> {
    return this.hosts.block(id);
  }

  @HostAction('unblock')
  @ApiOkJson(hostStandingSchema, 'The host, block lifted; it has no working agent until re-keyed')
  unblock(@Param('id', new ParseUUIDPipe()) id: string, @ZodBody(hostActionBodySchema) _body: unknown): Promise<HostStanding> {
    return this.hosts.unblock(id);
  }

  @HostAction('rekey')
  @ApiOkJson(
    rekeyGrantSchema,
    "The host's agents are revoked; the one-time rekeyToken (shown once, valid FLEETTUNE_REKEY_TOKEN_TTL_HOURS) enrolls the next " +
      'agent onto this host when given in place of the enrollment secret',
  )
  @ApiConflictResponse({ description: 'The host is blocked: unblock it first' })
  rekey(@Param('id', new ParseUUIDPipe()) id: string, @ZodBody(hostActionBodySchema) _body: unknown): Promise<RekeyGrant> {
    return this.hosts.rekey(id);
  }
}
