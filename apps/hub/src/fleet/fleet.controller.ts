import { Controller, Get, UseGuards, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { ZodQuery } from '../common/zod-validation';
import { FleetService, HostView, NoiseRow } from './fleet.service';
import { NoiseQueryDto, noiseQuerySchema } from './noise-query.dto';

const NoiseQueryParams = () =>
  applyDecorators(
    ApiQuery({ name: 'top', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 20 } }),
    ApiQuery({ name: 'since', required: false, schema: { type: 'string', format: 'date-time' }, description: 'windows starting at or after' }),
    ApiQuery({ name: 'until', required: false, schema: { type: 'string', format: 'date-time' }, description: 'windows starting before' }),
  );

@ApiTags('fleet')
@ApiBearerAuth()
@UseGuards(ApiTokenGuard)
@Controller('api/v1')
export class FleetController {
  constructor(private readonly fleet: FleetService) {}

  @Get('hosts')
  @ApiOkResponse({ description: 'Every enrolled host' })
  hosts(): Promise<HostView[]> {
    return this.fleet.listHosts();
  }

  @Get('noise/execs')
  @NoiseQueryParams()
  @ApiOkResponse({ description: 'Fleet-wide most executed programs: count summed over hosts, hosts = hosts that reported it' })
  execs(@ZodQuery(noiseQuerySchema) q: NoiseQueryDto): Promise<NoiseRow[]> {
    return this.fleet.topExecs(q);
  }

  @Get('noise/files')
  @NoiseQueryParams()
  @ApiOkResponse({ description: 'Fleet-wide most operated-on file paths' })
  files(@ZodQuery(noiseQuerySchema) q: NoiseQueryDto): Promise<NoiseRow[]> {
    return this.fleet.topFiles(q);
  }
}
