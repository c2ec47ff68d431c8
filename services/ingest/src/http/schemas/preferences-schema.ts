import { ChannelValues } from '@notify/schemas';
import { z } from 'zod';
import { categoryIdSchema } from '../../domain/request-schema.js';

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time HH:mm');

/** PUT /v1/recipients/:userId/preferences: replaces the recipient's preferences. */
export const preferencesBodySchema = z.strictObject({
  globalUnsubscribe: z.boolean().default(false).meta({
    description:
      'Unsubscribed from everything (CRITICAL notifications still go out unless their category is opted out)',
  }),
  categories: z
    .record(categoryIdSchema, z.partialRecord(z.enum(ChannelValues), z.boolean()))
    .default({})
    .meta({ description: 'category → channel → opted in; what is left out is opted in' }),
  quietHours: z
    .strictObject({ start: clockTime, end: clockTime })
    .nullish()
    .meta({ description: "HH:mm window in the recipient's time zone; may wrap midnight (22:00 → 07:00); start = end is no window" }),
});

export type PreferencesBody = z.output<typeof preferencesBodySchema>;
