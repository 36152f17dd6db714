import { ApiPropertyOptional } from '@nestjs/swagger';
import { z } from 'zod';

export const noiseQuerySchema = z.object({
  top: z.coerce.number().int().min(1).max(1000).default(20),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
});

export class NoiseQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 20 })
  top?: number;
  @ApiPropertyOptional({ format: 'date-time', description: 'only windows starting at or after this time' })
  since?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'only windows starting before this time' })
  until?: string;
}
