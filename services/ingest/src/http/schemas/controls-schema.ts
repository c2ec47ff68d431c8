import { ChannelValues, PROVIDERS } from '@notify/schemas';
import { z } from 'zod';

/** PATCH /v1/admin/controls: kill switches and rollout per provider, kill switches per channel. */
export const controlsChangeSchema = z.strictObject({
  providers: z
    .partialRecord(
      z.enum(PROVIDERS, { error: `must be one of ${PROVIDERS.join(', ')}` }),
      z.strictObject({
        enabled: z
          .boolean()
          .optional()
          .meta({ description: 'false is a kill switch: messages wait in Kafka until re-enabled' }),
        rolloutPercent: z
          .int()
          .min(0)
          .max(100)
          .optional()
          .meta({ description: 'Percent of recipients the provider takes' }),
      }),
    )
    .optional(),
  channels: z
    .partialRecord(
      z.enum(ChannelValues, { error: `must be one of ${ChannelValues.join(', ')}` }),
      z.strictObject({ enabled: z.boolean() }),
    )
    .optional(),
});
