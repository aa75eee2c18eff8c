import { z } from 'zod';

/** Pieces of request and answer schemas that several routes share. */

/** What deleting an object answers: its name (or reference) as the caller gave it. */
export const deletedSchema = z.object({ deleted: z.string() });

/** A query flag: `true` turns it on; anything else, or none, leaves it off. */
export const booleanFlag = z
  .string()
  .optional()
  .transform((value) => value === 'true')
  .meta({ examples: ['true'] });

/** A query number: digits only. */
export const wholeNumber = z.string().regex(/^\d+$/, 'must be a whole number').transform(Number);
