import { z } from 'zod';

/**
 * What a push (or its dry run) carries where: the policy target and the version of the recommended
 * exclusion set. A shape to spread into a view's object, where these fields stand in the JSON.
 */
export const pushedSetShape = {
  targetId: z.string(),
  setId: z.string(),
  setVersion: z.number().int(),
};
