import { NotificationStatusValues } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { ENGAGEMENT_STATUSES, isEngagementStatus, isOutcomeStatus } from './engagement.js';

describe('engagement statuses', () => {
  it('are statuses of the schema, told apart from outcomes', () => {
    for (const s of ENGAGEMENT_STATUSES) expect(NotificationStatusValues).toContain(s);
    expect(NotificationStatusValues.filter(isEngagementStatus)).toEqual(['OPENED', 'CLICKED', 'COMPLAINED', 'UNSUBSCRIBED']);
    expect(NotificationStatusValues.filter(isOutcomeStatus)).toEqual([
      'ACCEPTED', 'SUPPRESSED', 'DEFERRED', 'ROUTED', 'SENT', 'DELIVERED', 'BOUNCED', 'FAILED', 'DEAD_LETTERED', 'DIGESTED',
    ]);
  });
});
