import type { Channel } from '@notify/schemas';
import { DeliveryRecords, type DeliveryDoc } from '@notify/stores';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';

const SENT_MARK = 'sent:';
const SENT_TTL_MS = 24 * 60 * 60 * 1000; // a day: later duplicates are caught by MongoDB

// Compare-and-delete: only the claim's owner releases it.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

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

  /** The provider message id of a recorded delivery, or undefined. Redis first, MongoDB as the authority. */
  async sentAs(notificationId: string, channel: Channel): Promise<string | undefined> {
    const mark = await this.redis.get(this.key(notificationId, channel));
    if (mark?.startsWith(SENT_MARK)) return mark.slice(SENT_MARK.length);
    return (await this.records.find(notificationId, channel))?.providerMessageId;
  }

  async claim(notificationId: string, channel: Channel): Promise<ClaimResult> {
    const key = this.key(notificationId, channel);
    const ok = await this.redis.set(key, this.owner, 'PX', this.claimTtlMs, 'NX');
    if (ok === 'OK') return { kind: 'claimed' };
    const current = await this.redis.get(key);
    if (current === this.owner) return { kind: 'claimed' };
    if (current?.startsWith(SENT_MARK)) return { kind: 'sent', providerMessageId: current.slice(SENT_MARK.length) };
    return current === null ? this.claim(notificationId, channel) : { kind: 'busy' };
  }

  async recordSent(doc: Omit<DeliveryDoc, '_id'>): Promise<void> {
    await this.records.record(doc); // already recorded: fine
    await this.redis.set(this.key(doc.notificationId, doc.channel), `${SENT_MARK}${doc.providerMessageId}`, 'PX', SENT_TTL_MS);
  }

  async release(notificationId: string, channel: Channel): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(notificationId, channel), this.owner);
  }
}
