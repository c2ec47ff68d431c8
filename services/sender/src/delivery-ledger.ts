import type { Channel } from '@notify/schemas';
import { DeliveryRecords, type DeliveryDoc } from '@notify/stores';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';

const SENT_MARK = 'sent:';
const SENT_TTL_MS = 24 * 60 * 60 * 1000; // a day: later duplicates are caught by MongoDB

// Compare-and-delete: only the claim's owner releases it.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

interface SentMark {
  providerMessageId: string;
  provider?: string;
  /** Epoch millis. */
  sentAt?: number;
}

/** A "sent" mark: `sent:` and its JSON, or (older marks) `sent:` and the provider message id alone. */
function parseSentMark(value: string | null): SentMark | undefined {
  if (!value?.startsWith(SENT_MARK)) return undefined;
  const rest = value.slice(SENT_MARK.length);
  if (!rest.startsWith('{')) return { providerMessageId: rest };
  return JSON.parse(rest) as SentMark;
}

export type ClaimResult = { kind: 'claimed' } | { kind: 'busy' } | { kind: 'sent'; providerMessageId: string };

/**
 * The delivery ledger: (notification id, channel) goes out once. Redis holds the fast claim while a send
 * is in flight and a "sent" mark after; MongoDB holds the durable record that outlives Redis (keyed by
 * notification and channel, so a second record of the same delivery is refused). Checked before the provider call, recorded after.
 */
export class DeliveryLedger {
  private readonly records: DeliveryRecords;

  constructor(
    private readonly redis: Redis,
    db: Db,
    private readonly owner: string,
    private readonly claimTtlMs: number,
  ) {
    this.records = new DeliveryRecords(db);
  }

  private key(notificationId: string, channel: Channel): string {
    return `notify:delivery:${notificationId}:${channel}`;
  }

  /**
   * The provider message id of a recorded delivery, or undefined. Redis first, MongoDB as the authority.
   * A Redis mark without its MongoDB record (the durable write failed after the send) is recorded now.
   */
  async sentAs(notificationId: string, channel: Channel): Promise<string | undefined> {
    const mark = parseSentMark(await this.redis.get(this.key(notificationId, channel)));
    if (mark) {
      if (mark.provider !== undefined && mark.sentAt !== undefined) {
        await this.records.record({ notificationId, channel, provider: mark.provider, providerMessageId: mark.providerMessageId, sentAt: new Date(mark.sentAt) });
      }
      return mark.providerMessageId;
    }
    return (await this.records.find(notificationId, channel))?.providerMessageId;
  }

  async claim(notificationId: string, channel: Channel): Promise<ClaimResult> {
    const key = this.key(notificationId, channel);
    const ok = await this.redis.set(key, this.owner, 'PX', this.claimTtlMs, 'NX');
    if (ok === 'OK') return { kind: 'claimed' };
    const current = await this.redis.get(key);
    if (current === this.owner) return { kind: 'claimed' };
    const mark = parseSentMark(current);
    if (mark) return { kind: 'sent', providerMessageId: mark.providerMessageId };
    return current === null ? this.claim(notificationId, channel) : { kind: 'busy' };
  }

  /**
   * Records a delivery the provider accepted: the Redis mark first, so that a redelivery finds it even
   * when MongoDB is down and this write fails (the claim would otherwise expire and the next attempt send
   * again); then the durable record, which a later `sentAs` completes if it is missing.
   */
  async recordSent(doc: Omit<DeliveryDoc, '_id'>): Promise<void> {
    const mark: SentMark = { providerMessageId: doc.providerMessageId, provider: doc.provider, sentAt: doc.sentAt.getTime() };
    await this.redis.set(this.key(doc.notificationId, doc.channel), `${SENT_MARK}${JSON.stringify(mark)}`, 'PX', SENT_TTL_MS);
    await this.records.record(doc); // already recorded: fine
  }

  async release(notificationId: string, channel: Channel): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(notificationId, channel), this.owner);
  }
}
