import { Controller, Get, Param, ParseUUIDPipe, Put, Res, UseGuards, applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiBody, ApiNotFoundResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { ZodBody, ZodQuery } from '../common/zod-validation';
import { RequireRole } from '../auth/require-role.decorator';
import { AuditAction } from '../audit-log/audit-log.interceptor';
import { FleetService, HostView, NoiseRow, TrendView } from './fleet.service';
import {
  HOST_TAG_PATTERN,
  HostTagsBody,
  HostsQuery,
  MAX_HOST_TAGS,
  hostTagsBodySchema,
  NOISE_KINDS,
  NoiseKind,
  NoiseQueryDto,
  TrendQuery,
  hostNoiseQuerySchema,
  HOSTS_DEFAULT_PAGE,
  hostsQuerySchema,
  noiseFilterShape,
  noiseQuerySchema,
  trendQuerySchema,
} from './noise-query.dto';
import { hostViewSchema, noiseRowSchema, subjectDetailSchema, trendViewSchema } from '@fleettune/api-contract';
import { ApiOkJson, ApiOkJsonArray } from '../common/api-ok-answer';

const FilterParams = () =>
  applyDecorators(
    ApiQuery({
      name: 'since',
      required: false,
      schema: { type: 'string', format: 'date-time' },
      description: 'windows starting at or after; rounded down to the hour (the rollups are hourly; minute-bucket trends use it exactly)',
    }),
    ApiQuery({
      name: 'until',
      required: false,
      schema: { type: 'string', format: 'date-time' },
      description: 'windows starting before; rounded up to the hour (minute-bucket trends use it exactly)',
    }),
    ApiQuery({ name: 'os', required: false, description: 'only hosts with this OS' }),
    ApiQuery({ name: 'source', required: false, description: 'only this agent source (exec/file kinds)' }),
    ApiQuery({ name: 'tag', required: false, schema: { type: 'string', pattern: HOST_TAG_PATTERN.source }, description: 'only hosts carrying this tag (now)' }),
  );

const NoiseQueryParams = () =>
  applyDecorators(
    ApiQuery({ name: 'top', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 20 } }),
    ApiQuery({ name: 'hostId', required: false, schema: { type: 'string', format: 'uuid' } }),
    FilterParams(),
  );

const NOISE_ROW_DOC =
  'Array of {subject, path?, count (summed over hosts), hosts (that reported it), ratePerSecond, firstWindowStart, lastWindowEnd}, largest first';

/** GET noise/<path>: the fleet's top noise of one kind, with the noise query parameters, answered as noise rows. */
const FleetNoiseList = (path: string, description: string) =>
  applyDecorators(Get(`noise/${path}`), NoiseQueryParams(), ApiOkJsonArray(noiseRowSchema, `${description}. ${NOISE_ROW_DOC}`));

const subjectQuerySchema = z.object({ kind: z.enum(NOISE_KINDS).default('exec'), subject: z.string().min(1).max(4096), ...noiseFilterShape });

@ApiTags('fleet')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/v1')
export class FleetController {
  constructor(private readonly fleet: FleetService) {}

  @Get('hosts')
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 10000, default: HOSTS_DEFAULT_PAGE },
    description: 'page size (X-Total-Count gives the total)',
  })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  @ApiQuery({ name: 'status', required: false, enum: ['online', 'stale'] })
  @ApiQuery({ name: 'q', required: false, description: 'hostname contains (case-insensitive)' })
  @ApiQuery({ name: 'os', required: false })
  @ApiQuery({ name: 'tag', required: false, schema: { type: 'string', pattern: HOST_TAG_PATTERN.source }, description: 'only hosts carrying this tag' })
  @ApiOkResponse({
    description:
      'Enrolled hosts by hostname, each with status online|stale (last seen within FLEETTUNE_HOST_STALE_SECONDS, default 900), tags (sorted), ' +
      'usersRedacted (its newest batch came from an agent with --redact-users: no user names or home paths leave that host) ' +
      'and agentStatus (spool backlog, drop/merge/refused totals, watchdog degrade level and paused sources its agent last reported; null before the first report). ' +
      'An array; the header X-Total-Count gives the number of matching hosts for paging with limit/offset.',
  })
  @ApiOkJsonArray(hostViewSchema)
  async hosts(@ZodQuery(hostsQuerySchema) q: HostsQuery, @Res({ passthrough: true }) res: Response): Promise<HostView[]> {
    const { rows, total } = await this.fleet.listHosts(q);
    res.setHeader('X-Total-Count', String(total));
    return rows;
  }

  @Get('hosts/:id')
  @ApiOkJson(hostViewSchema, 'One host, with agentStatus as in the list')
  host(@Param('id', new ParseUUIDPipe()) id: string): Promise<HostView> {
    return this.fleet.host(id);
  }

  @Put('hosts/:id/tags')
  @RequireRole('admin')
  @AuditAction('host.tags')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['tags'],
      additionalProperties: false,
      properties: { tags: { type: 'array', maxItems: MAX_HOST_TAGS, items: { type: 'string', pattern: HOST_TAG_PATTERN.source } } },
    },
    description: `The host's complete tag list (replaces the current one; duplicates collapse; at most ${MAX_HOST_TAGS})`,
  })
  @ApiOkJson(hostViewSchema, 'The host with its new tags (sorted)')
  @ApiBadRequestResponse({ description: 'A tag does not match the pattern, or more than 20 tags' })
  @ApiNotFoundResponse({ description: 'No such host' })
  setTags(@Param('id', new ParseUUIDPipe()) id: string, @ZodBody(hostTagsBodySchema) body: HostTagsBody): Promise<HostView> {
    return this.fleet.setTags(id, body.tags);
  }

  @Get('hosts/:id/noise')
  @ApiQuery({ name: 'kind', required: false, enum: NOISE_KINDS })
  @ApiQuery({ name: 'top', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 20 } })
  @FilterParams()
  @ApiOkJsonArray(noiseRowSchema, `The host's top noise of one kind. ${NOISE_ROW_DOC}`)
  async hostNoise(@Param('id', new ParseUUIDPipe()) id: string, @ZodQuery(hostNoiseQuerySchema) q: z.infer<typeof hostNoiseQuerySchema>): Promise<NoiseRow[]> {
    await this.fleet.host(id);
    return this.fleet.topNoise(q.kind, { ...q, hostId: id });
  }

  @FleetNoiseList('execs', 'Fleet-wide most executed programs')
  execs(@ZodQuery(noiseQuerySchema) q: NoiseQueryDto): Promise<NoiseRow[]> {
    return this.fleet.topNoise('exec', q);
  }

  @FleetNoiseList('files', 'Fleet-wide most operated-on file paths')
  files(@ZodQuery(noiseQuerySchema) q: NoiseQueryDto): Promise<NoiseRow[]> {
    return this.fleet.topNoise('file', q);
  }

  @FleetNoiseList('parents', 'Fleet-wide parents of the most executions')
  parents(@ZodQuery(noiseQuerySchema) q: NoiseQueryDto): Promise<NoiseRow[]> {
    return this.fleet.topNoise('parent', q);
  }

  @FleetNoiseList('directories', 'Fleet-wide directories with the most file operations')
  directories(@ZodQuery(noiseQuerySchema) q: NoiseQueryDto): Promise<NoiseRow[]> {
    return this.fleet.topNoise('directory', q);
  }

  @FleetNoiseList('extensions', 'Fleet-wide file extensions with the most file operations')
  extensions(@ZodQuery(noiseQuerySchema) q: NoiseQueryDto): Promise<NoiseRow[]> {
    return this.fleet.topNoise('extension', q);
  }

  @FleetNoiseList('keys', 'Fleet-wide audit rule keys by event count')
  keys(@ZodQuery(noiseQuerySchema) q: NoiseQueryDto): Promise<NoiseRow[]> {
    return this.fleet.topNoise('key', q);
  }

  @FleetNoiseList('syscalls', 'Fleet-wide syscalls by event count')
  syscalls(@ZodQuery(noiseQuerySchema) q: NoiseQueryDto): Promise<NoiseRow[]> {
    return this.fleet.topNoise('syscall', q);
  }

  @FleetNoiseList(
    'initiators',
    'Fleet-wide initiators: events by the program that caused them (audit exe= of syscall and user-space records such as USER_ACCT or CRED_ACQ; what aureport -x counts and what the MDE auditd guidance excludes by -F exe=)',
  )
  initiators(@ZodQuery(noiseQuerySchema) q: NoiseQueryDto): Promise<NoiseRow[]> {
    return this.fleet.topNoise('initiator', q);
  }

  @Get('noise/subject')
  @ApiQuery({ name: 'kind', required: false, enum: NOISE_KINDS })
  @ApiQuery({ name: 'subject', required: true })
  @FilterParams()
  @ApiOkJson(subjectDetailSchema, 'Drill-down: the hosts behind one subject and, for execs, the parents that start it')
  subject(@ZodQuery(subjectQuerySchema) q: z.infer<typeof subjectQuerySchema>): ReturnType<FleetService['subjectDetail']> {
    return this.fleet.subjectDetail(q.kind as NoiseKind, q.subject, q);
  }

  @Get('noise/trend')
  @ApiQuery({ name: 'kind', required: false, enum: ['exec', 'file', 'parent', 'directory', 'extension', 'key', 'syscall', 'initiator'] })
  @ApiQuery({ name: 'subject', required: false, description: 'a path/key/syscall/initiator; without it only the fleet total' })
  @ApiQuery({ name: 'bucket', required: false, enum: ['auto', 'minute', 'hour', 'day'], description: 'auto (default) picks one from the span of the data' })
  @ApiQuery({ name: 'hostId', required: false, schema: { type: 'string', format: 'uuid' } })
  @FilterParams()
  @ApiOkJson(trendViewSchema, '{kind, subject, bucket, points: [{t, total, subject?, subjectHosts?}]} oldest first (at most 2000 buckets, the latest)')
  trend(@ZodQuery(trendQuerySchema) q: TrendQuery): Promise<TrendView> {
    return this.fleet.trend(q);
  }
}
