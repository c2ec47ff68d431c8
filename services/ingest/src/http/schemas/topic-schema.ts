import { z } from 'zod';
import { identifierSchema } from './identifiers.js';

/** The most user ids one subscribe or unsubscribe call takes. */
export const MAX_SUBSCRIBERS_PER_CALL = 10_000;
export const DEFAULT_SUBSCRIBER_PAGE = 100;
export const MAX_SUBSCRIBER_PAGE = 1_000;

/** PUT and DELETE /v1/topics/:topicId/subscribers. */
export const subscribersBodySchema = z
  .strictObject({
    userIds: z
      .array(identifierSchema, { error: 'must be an array of user ids' })
      .min(1, 'must name at least one user')
      .max(MAX_SUBSCRIBERS_PER_CALL, `must name at most ${MAX_SUBSCRIBERS_PER_CALL} users`)
      .meta({ description: 'Users of the caller’s tenant; a user named twice counts once.' }),
  })
  .meta({ description: `Up to ${MAX_SUBSCRIBERS_PER_CALL} user ids.` });

/** `<bucket>.<offset>`, bucket 0 to 255: exactly what the store's cursors look like. */
const CURSOR = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.(0|[1-9][0-9]{0,8})$/;

export const subscriberCursorSchema = z
  .string()
  .regex(CURSOR, 'must be a nextCursor of an earlier page')
  .meta({ description: 'The nextCursor of the previous page; the first page when left out.' });

export const subscriberLimitSchema = z
  .string()
  .regex(/^[0-9]{1,4}$/, `must be a whole number from 1 to ${MAX_SUBSCRIBER_PAGE}`)
  .transform(Number)
  .pipe(
    z
      .int()
      .min(1, `must be a whole number from 1 to ${MAX_SUBSCRIBER_PAGE}`)
      .max(MAX_SUBSCRIBER_PAGE, `must be a whole number from 1 to ${MAX_SUBSCRIBER_PAGE}`),
  );

/** GET /v1/topics/:topicId/subscribers query. */
export const subscriberPageQuerySchema = z.object({
  cursor: subscriberCursorSchema.optional(),
  limit: subscriberLimitSchema.default(DEFAULT_SUBSCRIBER_PAGE),
});
