import { z } from 'zod';

/**
 * How a view names a host: its id (what links and filters take) and its hostname (what is shown).
 * A shape to spread into a view's object, where the host's fields stand in the JSON.
 */
export const hostRefShape = {
  hostId: z.string(),
  hostname: z.string(),
};
