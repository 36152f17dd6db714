import { z } from 'zod';

export const noiseQuerySchema = z.object({
  top: z.coerce.number().int().min(1).max(1000).default(20),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
});

export type NoiseQueryDto = z.infer<typeof noiseQuerySchema>;
