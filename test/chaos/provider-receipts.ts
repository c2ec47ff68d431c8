// Everything the providers got, matched to (notification, channel): SendGrid by custom_args.notification_id,
// SMTP by its notification-id header (its Message-ID derives from the idempotency key), webhooks by the
// Idempotency-Key header, Twilio and FCM by recipient address + the request ref in the body, in-app by the
// inbox document's _id.
import type { EmulatorSet } from '@notify/provider-emulators';
import type { Channel } from '@notify/schemas';
import { Collections } from '@notify/stores';
import type { Db } from 'mongodb';
import { expectedNotificationId } from './notification-ids.js';
import { refIn, type Workload } from './workload.js';

export interface Receipt {
  provider: 'sendgrid' | 'smtp' | 'webhook' | 'twilio' | 'push' | 'inapp';
  channel: Channel;
  /** undefined when the message could not be matched to a notification of the run. */
  notificationId: string | undefined;
  receivedAt: number;
  /** The provider-side key a receiver could deduplicate on (SMTP Message-ID, webhook Idempotency-Key). */
  dedupKey?: string;
  /** What identified it, for reports of unmatched receipts. */
  clue: string;
}

export interface ReceiptContext {
  workload: Workload;
  /** FCM token and phone number → user id. */
  userByToken: Map<string, string>;
  userByPhone: Map<string, string>;
}

export function receiptContext(workload: Workload, tokens: Map<string, string>): ReceiptContext {
  const userByToken = new Map([...tokens].map(([user, token]) => [token, user]));
  const userByPhone = new Map(workload.recipients.map((r) => [r.phone, r.userId]));
  return { workload, userByToken, userByPhone };
}

function byRef(ctx: ReceiptContext, userId: string | undefined, text: string | undefined): string | undefined {
  const ref = refIn(text);
  if (!userId || !ref) return undefined;
  return expectedNotificationId(ctx.workload.tenantId, `${ctx.workload.tenantId}-${ref}`, userId);
}

/** Receipts of the HTTP/SMTP emulators (in-app comes from the inbox, see inboxReceipts). */
export function emulatorReceipts(emulators: EmulatorSet, ctx: ReceiptContext): Receipt[] {
  const out: Receipt[] = [];
  for (const r of emulators.sendgrid.received) {
    const args = (r.body.custom_args ?? {}) as Record<string, string>;
    out.push({ provider: 'sendgrid', channel: 'EMAIL', notificationId: args.notification_id, receivedAt: r.receivedAt, clue: `to ${r.to.join(',')}` });
  }
  for (const r of emulators.smtp.received) {
    out.push({
      provider: 'smtp',
      channel: 'EMAIL',
      notificationId: r.headers['x-notify-notification-id'],
      receivedAt: r.receivedAt,
      ...(r.messageId ? { dedupKey: r.messageId } : {}),
      clue: `Message-ID ${r.messageId}`,
    });
  }
  for (const r of emulators.webhook.received) {
    const key = r.idempotencyKey;
    const id = key?.endsWith(':WEBHOOK') ? key.slice(0, -':WEBHOOK'.length) : undefined;
    out.push({ provider: 'webhook', channel: 'WEBHOOK', notificationId: id, receivedAt: r.receivedAt, ...(key ? { dedupKey: key } : {}), clue: `Idempotency-Key ${key}` });
  }
  for (const r of emulators.twilio.received) {
    out.push({ provider: 'twilio', channel: 'SMS', notificationId: byRef(ctx, ctx.userByPhone.get(r.to), r.body), receivedAt: r.receivedAt, clue: `to ${r.to}: ${r.body}` });
  }
  for (const r of emulators.fcm.received) {
    const token = r.message.token ?? '';
    out.push({
      provider: 'push',
      channel: 'PUSH',
      notificationId: byRef(ctx, ctx.userByToken.get(token), r.message.notification?.body),
      receivedAt: r.receivedAt,
      clue: `token ${token.slice(0, 12)}…: ${r.message.notification?.body}`,
    });
  }
  return out;
}

/** The inbox documents of the run's tenant: one per notification by construction (_id). */
export async function inboxReceipts(db: Db, tenantId: string): Promise<Receipt[]> {
  const docs = await db
    .collection<{ _id: string; tenantId: string; createdAt: Date }>(Collections.inbox)
    .find({ tenantId }, { projection: { _id: 1, createdAt: 1 } })
    .toArray();
  return docs.map((d) => ({ provider: 'inapp', channel: 'IN_APP', notificationId: d._id, receivedAt: new Date(d.createdAt).getTime(), clue: `inbox ${d._id}` }));
}
