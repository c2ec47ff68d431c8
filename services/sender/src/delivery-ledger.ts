import { WriteCoalescer } from '@notify/runtime';
import { DeliveryRecords, RedisLeases, deliveryId } from '@notify/stores';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { ClaimResult, DeliveryRef, Ledger, SentDelivery, Settled } from './domain/ports.js';
import { asError } from './settled.js';

const SENT_MARK = 'sent:';
const SENT_TTL_MS = 24 * 60 * 60 * 1000; // a day: later duplicates are caught by MongoDB

interface SentMark {
  providerMessageId: string;
  provider?: SentDelivery['provider'];
  /** Epoch millis. */
  sentAt?: number;
}

/** A "sent" mark: `sent:` and its JSON, or (older marks) `sent:` and the provider message id alone. */
function parseSentMark(value: string | null): Settled<SentMark | undefined> {
  if (!value?.startsWith(SENT_MARK)) return undefined;
  const rest = value.slice(SENT_MARK.length);
  if (!rest.startsWith('{')) return { providerMessageId: rest };
  try {
    return JSON.parse(rest) as SentMark;
  } catch (err) {
    return asError(err);
  }
}

/** A mark that carries everything its durable record needs (older marks hold the message id alone). */
function isComplete(mark: SentMark): mark is Required<SentMark> {
  return mark.provider !== undefined && mark.sentAt !== undefined;
}

/**
 * The delivery ledger: (notification id, channel) goes out once. Redis holds the fast claim (a lease)
 * while a send is in flight and a "sent" mark in its place after; MongoDB holds the durable record that outlives Redis (keyed by
 * notification and channel, so a second record of the same delivery is refused). Checked before the
 * provider call, recorded after. Every call serves a whole slice: one Redis round trip and a MongoDB
 * command or two, whatever the slice's size.
 */
export class DeliveryLedger implements Ledger {
  private readonly records: DeliveryRecords;
  private readonly leases: RedisLeases;
  /** The durable records of single sends, written together when sends complete at the same time. */
  private readonly durableWrites: WriteCoalescer<SentDelivery>;

  constructor(
    private readonly redis: Redis,
    db: Db,
    private readonly owner: string,
    readonly claimTtlMs: number,
  ) {
    this.records = new DeliveryRecords(db);
    this.leases = new RedisLeases(redis);
    this.durableWrites = new WriteCoalescer((sent) => this.records.recordAll(sent));
  }

  private key(ref: DeliveryRef): string {
    return `notify:delivery:${deliveryId(ref.notificationId, ref.channel)}`;
  }

  /**
   * Redis first, MongoDB as the authority for deliveries without a mark. A Redis mark may stand for a
   * send whose durable write failed: its record is written again (a repeat changes nothing).
   */
  async sentAs(refs: readonly DeliveryRef[]): Promise<Array<Settled<string | undefined>>> {
    if (refs.length === 0) return [];
    const marks = (await this.redis.mget(...refs.map((r) => this.key(r)))).map(parseSentMark);
    const toRecord: SentDelivery[] = [];
    const unmarked: DeliveryRef[] = [];
    refs.forEach((ref, i) => {
      const mark = marks[i];
      if (mark === undefined) unmarked.push(ref);
      else if (!(mark instanceof Error) && isComplete(mark)) {
        toRecord.push({ notificationId: ref.notificationId, channel: ref.channel, provider: mark.provider, providerMessageId: mark.providerMessageId, sentAt: new Date(mark.sentAt) });
      }
    });
    const [recorded, found] = await Promise.allSettled([this.records.recordAll(toRecord), this.records.findAll(unmarked)]);
    return refs.map((ref, i) => {
      const mark = marks[i];
      if (mark instanceof Error) return mark;
      if (mark) return recorded.status === 'rejected' && isComplete(mark) ? asError(recorded.reason) : mark.providerMessageId;
      if (found.status === 'rejected') return asError(found.reason);
      return found.value.get(deliveryId(ref.notificationId, ref.channel))?.providerMessageId;
    });
  }

  /**
   * A lease on each delivery's key; a key held by a "sent" mark instead tells a delivery sent from one
   * in flight elsewhere. Our own lease, from an earlier attempt of this process, counts as claimed.
   */
  async claim(refs: readonly DeliveryRef[]): Promise<Array<Settled<ClaimResult>>> {
    const taken = await this.leases.take(refs.map((r) => this.key(r)), this.owner, this.claimTtlMs);
    return taken.map((t): Settled<ClaimResult> => {
      if (t instanceof Error) return t;
      if ('taken' in t) return { kind: 'claimed' };
      const mark = parseSentMark(t.heldBy);
      return mark instanceof Error ? mark : mark ? { kind: 'sent', providerMessageId: mark.providerMessageId } : { kind: 'busy' };
    });
  }

  /**
   * Records a delivery the provider has just accepted: its Redis mark and its durable record, written
   * side by side so that either lets a redelivery find it. Only the durable record's failure is thrown.
   */
  async markSent(d: SentDelivery): Promise<void> {
    const [, durable] = await Promise.allSettled([this.redis.set(this.key(d), sentMarkOf(d), 'PX', SENT_TTL_MS), this.durableWrites.submit([d])]);
    if (durable.status === 'rejected') throw durable.reason;
  }

  async recordSent(sent: readonly SentDelivery[]): Promise<void> {
    if (sent.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const d of sent) pipeline.set(this.key(d), sentMarkOf(d), 'PX', SENT_TTL_MS);
    const [, durable] = await Promise.allSettled([pipeline.exec(), this.records.recordAll(sent)]); // already recorded: fine
    if (durable.status === 'rejected') throw durable.reason;
  }

  async release(refs: readonly DeliveryRef[]): Promise<Array<Error | undefined>> {
    return this.leases.release(refs.map((r) => this.key(r)), this.owner);
  }
}

function sentMarkOf(d: SentDelivery): string {
  const mark: SentMark = { providerMessageId: d.providerMessageId, provider: d.provider, sentAt: d.sentAt.getTime() };
  return `${SENT_MARK}${JSON.stringify(mark)}`;
}
