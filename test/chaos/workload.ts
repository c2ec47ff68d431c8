// The run's workload, planned up front and pure: recipients in cohorts, templates, and requests of a few
// scenario kinds, each notification with the terminal state(s) it should end in.
import type { Channel, DigestSpec } from '@notify/schemas';
import { expectedNotificationId } from './notification-ids.js';
import { sample, seededRandom, type Random } from './seeded-random.js';

export type TerminalKind = 'SENT' | 'SUPPRESSED' | 'FAILED' | 'DEAD_LETTERED' | 'DIGESTED';
/** `digest`: a few reachable users whose digested notifications arrive close enough together to share windows. */
export type Cohort = 'reachable' | 'optedOut' | 'deadToken' | 'digest';
export type Via = 'REST' | 'KAFKA';

export const TEMPLATE_ID = 'chaos';
/** Calls a helper that does not exist: the router dead-letters what uses it. */
export const BROKEN_TEMPLATE_ID = 'chaos-broken';

export interface TemplateVariant {
  templateId: string;
  channel: Channel;
  subject?: string;
  body: string;
  html?: string;
}

/** Every body carries {{ref}}, unique per request, so SMS and push can be told apart by address + body. */
export const TEMPLATES: TemplateVariant[] = [
  { templateId: TEMPLATE_ID, channel: 'EMAIL', subject: 'Chaos {{ref}}', body: 'Email {{ref}}', html: '<p>Email <b>{{ref}}</b></p>' },
  { templateId: TEMPLATE_ID, channel: 'SMS', body: 'SMS {{ref}}' },
  { templateId: TEMPLATE_ID, channel: 'PUSH', subject: 'Chaos', body: 'Push {{ref}}' },
  { templateId: TEMPLATE_ID, channel: 'IN_APP', subject: 'Chaos', body: 'Inbox {{ref}}' },
  { templateId: TEMPLATE_ID, channel: 'WEBHOOK', body: 'Hook {{ref}}' },
  { templateId: BROKEN_TEMPLATE_ID, channel: 'EMAIL', subject: 'Broken', body: '{{shout ref}}' },
];

/** Categories the opted-out cohort turned off: everything for one, only e-mail for the other. */
export const OPTED_OUT_CATEGORY = 'chaos-marketing';
export const PARTLY_OPTED_OUT_CATEGORY = 'chaos-digest';
export const OPTED_OUT_PREFERENCES: Record<string, Partial<Record<Channel, boolean>>> = {
  [OPTED_OUT_CATEGORY]: { EMAIL: false, SMS: false, PUSH: false, WEBHOOK: false, IN_APP: false },
  [PARTLY_OPTED_OUT_CATEGORY]: { EMAIL: false },
};

export interface Expectation {
  /** Terminal state per channel. */
  channels?: Partial<Record<Channel, TerminalKind>>;
  /** Terminal state of the notification as a whole (no channel). */
  whole?: TerminalKind;
  /** Also right: the notification as a whole ends this way, for this reason. */
  alternatively?: { whole: TerminalKind; reason: string };
}

export interface Scenario {
  kind: string;
  weight: number;
  cohort: Cohort;
  templateId: string;
  category: string;
  channels: Channel[];
  expect: Expectation;
  /** Sent with scheduledFor in the near future: deferred, then re-emitted by the scheduler. */
  scheduled?: boolean;
  /** Collected into digests; each digest the run's items end in is expected to end as `digestExpect`. */
  digest?: { spec: DigestSpec; expect: Expectation };
}

/** Short windows that fill up, so that windows close both ways (time and item cap) while services are killed. */
export const CHAOS_DIGEST: DigestSpec = { key: 'chaos-digest', windowMs: 3_000, dailyAt: null, maxItems: 3 };

export const SCENARIOS: Scenario[] = [
  { kind: 'email', weight: 20, cohort: 'reachable', templateId: TEMPLATE_ID, category: 'account', channels: ['EMAIL'], expect: { channels: { EMAIL: 'SENT' } } },
  { kind: 'sms', weight: 14, cohort: 'reachable', templateId: TEMPLATE_ID, category: 'account', channels: ['SMS'], expect: { channels: { SMS: 'SENT' } } },
  { kind: 'push', weight: 12, cohort: 'reachable', templateId: TEMPLATE_ID, category: 'account', channels: ['PUSH'], expect: { channels: { PUSH: 'SENT' } } },
  { kind: 'in-app', weight: 12, cohort: 'reachable', templateId: TEMPLATE_ID, category: 'account', channels: ['IN_APP'], expect: { channels: { IN_APP: 'SENT' } } },
  { kind: 'webhook', weight: 12, cohort: 'reachable', templateId: TEMPLATE_ID, category: 'account', channels: ['WEBHOOK'], expect: { channels: { WEBHOOK: 'SENT' } } },
  {
    kind: 'multi-channel',
    weight: 10,
    cohort: 'reachable',
    templateId: TEMPLATE_ID,
    category: 'account',
    channels: ['EMAIL', 'SMS', 'IN_APP'],
    expect: { channels: { EMAIL: 'SENT', SMS: 'SENT', IN_APP: 'SENT' } },
  },
  { kind: 'opted-out', weight: 6, cohort: 'optedOut', templateId: TEMPLATE_ID, category: OPTED_OUT_CATEGORY, channels: ['EMAIL', 'SMS'], expect: { whole: 'SUPPRESSED' } },
  {
    kind: 'partly-opted-out',
    weight: 5,
    cohort: 'optedOut',
    templateId: TEMPLATE_ID,
    category: PARTLY_OPTED_OUT_CATEGORY,
    channels: ['EMAIL', 'SMS'],
    expect: { channels: { EMAIL: 'SUPPRESSED', SMS: 'SENT' } },
  },
  {
    kind: 'unregistered-token',
    weight: 3,
    cohort: 'deadToken',
    templateId: TEMPLATE_ID,
    category: 'account',
    channels: ['PUSH'],
    // The first refusal removes the recipient's only token: later notifications find no device.
    expect: { channels: { PUSH: 'FAILED' }, alternatively: { whole: 'SUPPRESSED', reason: 'no_reachable_channel' } },
  },
  { kind: 'broken-template', weight: 2, cohort: 'reachable', templateId: BROKEN_TEMPLATE_ID, category: 'account', channels: ['EMAIL'], expect: { whole: 'DEAD_LETTERED' } },
  {
    kind: 'digested',
    weight: 5,
    cohort: 'digest',
    templateId: TEMPLATE_ID,
    category: 'account',
    channels: ['EMAIL'],
    expect: { whole: 'DIGESTED' },
    digest: { spec: CHAOS_DIGEST, expect: { channels: { EMAIL: 'SENT' } } },
  },
  { kind: 'scheduled', weight: 4, cohort: 'reachable', templateId: TEMPLATE_ID, category: 'account', channels: ['SMS', 'IN_APP'], expect: { channels: { SMS: 'SENT', IN_APP: 'SENT' } }, scheduled: true },
];

export interface PlannedRecipient {
  userId: string;
  cohort: Cohort;
  email: string;
  phone: string;
  /** Index into the run's device tokens (made by the caller: they must look like FCM tokens). */
  tokenIndex: number;
}

export interface PlannedRequest {
  key: string;
  via: Via;
  scenario: string;
  recipients: string[];
  templateId: string;
  category: string;
  channels: Channel[];
  data: { ref: string };
  scheduled: boolean;
  digest: DigestSpec | null;
}

export interface PlannedNotification {
  notificationId: string;
  requestKey: string;
  userId: string;
  scenario: string;
  via: Via;
  expect: Expectation;
  /** For a digested notification: how the digest it ends in should end. */
  digestExpect?: Expectation;
}

export interface Workload {
  tenantId: string;
  recipients: PlannedRecipient[];
  requests: PlannedRequest[];
  notifications: Map<string, PlannedNotification>;
}

export interface WorkloadOptions {
  tenantId: string;
  notifications: number;
  restShare: number;
  seed: number;
  /** Most recipients of one REST / Kafka request. */
  maxRecipientsRest?: number;
  maxRecipientsKafka?: number;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function cohortSizes(notifications: number): Record<Cohort, number> {
  const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(n)));
  return {
    reachable: clamp(notifications / 20, 20, 2_000),
    optedOut: clamp(notifications / 100, 6, 300),
    deadToken: clamp(notifications / 200, 4, 100),
    digest: clamp(notifications / 400, 4, 60),
  };
}

function pickScenario(random: Random): Scenario {
  const total = SCENARIOS.reduce((s, x) => s + x.weight, 0);
  let roll = random() * total;
  for (const s of SCENARIOS) {
    roll -= s.weight;
    if (roll < 0) return s;
  }
  return SCENARIOS[SCENARIOS.length - 1]!;
}

/**
 * Plans requests until `notifications` notifications are covered. Every scenario shows up at least once
 * (the first requests walk through them), so even a small run sees every terminal state.
 */
export function planWorkload(options: WorkloadOptions): Workload {
  const random = seededRandom(options.seed);
  const sizes = cohortSizes(options.notifications);
  const recipients: PlannedRecipient[] = [];
  const byCohort: Record<Cohort, string[]> = { reachable: [], optedOut: [], deadToken: [], digest: [] };
  for (const cohort of ['reachable', 'optedOut', 'deadToken', 'digest'] as const) {
    for (let i = 0; i < sizes[cohort]; i++) {
      const n = recipients.length;
      const userId = `${cohort}-${pad(i, 4)}`;
      recipients.push({ userId, cohort, email: `${userId}@chaos.example.com`, phone: `+1555${pad(n, 7)}`, tokenIndex: n });
      byCohort[cohort].push(userId);
    }
  }

  const requests: PlannedRequest[] = [];
  const notifications = new Map<string, PlannedNotification>();
  let remaining = options.notifications;
  let seq = 0;
  while (remaining > 0) {
    const scenario = seq < SCENARIOS.length ? SCENARIOS[seq]! : pickScenario(random);
    const via: Via = random() < options.restShare ? 'REST' : 'KAFKA';
    const most = via === 'REST' ? (options.maxRecipientsRest ?? 3) : (options.maxRecipientsKafka ?? 5);
    const count = Math.min(remaining, 1 + Math.floor(random() * most));
    const users = sample(random, byCohort[scenario.cohort], count);
    const key = `${options.tenantId}-r${pad(seq, 7)}`;
    requests.push({
      key,
      via,
      scenario: scenario.kind,
      recipients: users,
      templateId: scenario.templateId,
      category: scenario.category,
      channels: [...scenario.channels],
      data: { ref: `r${pad(seq, 7)}` },
      scheduled: scenario.scheduled ?? false,
      digest: scenario.digest?.spec ?? null,
    });
    for (const userId of users) {
      const notificationId = expectedNotificationId(options.tenantId, key, userId);
      notifications.set(notificationId, {
        notificationId,
        requestKey: key,
        userId,
        scenario: scenario.kind,
        via,
        expect: scenario.expect,
        ...(scenario.digest ? { digestExpect: scenario.digest.expect } : {}),
      });
    }
    remaining -= users.length;
    seq += 1;
  }
  return { tenantId: options.tenantId, recipients, requests, notifications };
}

/** The ref a rendered body carries, e.g. "SMS r0000042" → "r0000042". */
export function refIn(text: string | undefined | null): string | undefined {
  return /\b(r\d{7})\b/.exec(text ?? '')?.[1];
}
