import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { ZodQuery } from '../common/zod-validation';
import { FleetService, HostView, NoiseRow } from './fleet.service';
import { NoiseQueryDto, noiseQuerySchema } from './noise-query.dto';

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
  @ApiOkResponse({ description: 'Fleet-wide most executed programs: count summed over hosts, hosts = hosts that reported it' })
  execs(@ZodQuery(noiseQuerySchema) q: NoiseQueryDto & { top: number; since?: Date; until?: Date }): Promise<NoiseRow[]> {
    return this.fleet.topExecs(q);
  }

  @Get('noise/files')
  @ApiOkResponse({ description: 'Fleet-wide most operated-on file paths' })
  files(@ZodQuery(noiseQuerySchema) q: NoiseQueryDto & { top: number; since?: Date; until?: Date }): Promise<NoiseRow[]> {
    return this.fleet.topFiles(q);
  }
}
