import { createHash } from 'node:crypto';
import type { Channel } from '@notify/schemas';
import type { Collection, Db } from 'mongodb';
import { cacheKey } from './cache-key.js';
import { Collections, type SuppressionDoc } from './documents.js';
import { insertOnce } from './insert-once.js';

/** An address of a tenant's recipient on a channel, as the profile or the provider spells it. */
export interface AddressRef {
  tenantId: string;
  channel: Channel;
  address: string;
}

export interface SuppressionEntry extends AddressRef {
  reason: SuppressionDoc['reason'];
  provider: string;
  notificationId: string;
  /** Epoch millis. */
  occurredAt: number;
}

/**
 * The address as every provider and profile would agree on it: an email address trimmed, taken out of
 * `Name <address>` and lower-cased (mailbox providers do not tell case apart, whatever RFC 5321 allows);
 * a phone number without spaces, dashes, dots or brackets; anything else trimmed.
 */
export function normaliseAddress(channel: Channel, address: string): string {
  const trimmed = address.trim();
  switch (channel) {
    case 'EMAIL': {
      const angled = /<([^<>]+)>\s*$/.exec(trimmed);
      return (angled ? (angled[1] as string) : trimmed).trim().toLowerCase();
    }
    case 'SMS':
      return trimmed.replace(/[\s\-.()]/g, '');
    default:
      return trimmed;
  }
}

/** The mark's _id: tenant, channel and a hash of the normalised address, so a new address is a new key. */
export function suppressionId(ref: AddressRef): string | null {
  const normalised = normaliseAddress(ref.channel, ref.address);
  if (normalised === '') return null;
  return cacheKey(ref.tenantId, ref.channel, addressHash(normalised));
}

function addressHash(normalised: string): string {
  return createHash('sha256').update(normalised).digest('hex');
}

/**
 * Addresses that bounced hard or were complained about, marked undeliverable for one tenant and channel
 * until an operator releases them. Every lookup is by _id (a MongoDB-wire server may scan the collection
 * for any other filter).
 */
export class SuppressionRepository {
  private readonly collection: Collection<SuppressionDoc>;
  private readonly now: () => number;

  constructor(db: Db, options: { now?: () => number } = {}) {
    this.collection = db.collection<SuppressionDoc>(Collections.suppressions);
    this.now = options.now ?? Date.now;
  }

  /**
   * Marks the addresses, in one insert; an address already marked keeps its first mark. Returns, per
   * entry, whether it was marked now (false for a blank address).
   */
  async suppress(entries: readonly SuppressionEntry[]): Promise<boolean[]> {
    const createdAt = new Date(this.now());
    const docs: SuppressionDoc[] = [];
    const positions: number[] = [];
    entries.forEach((e, i) => {
      const normalised = normaliseAddress(e.channel, e.address);
      if (normalised === '') return;
      const hash = addressHash(normalised);
      positions.push(i);
      docs.push({
        _id: cacheKey(e.tenantId, e.channel, hash),
        tenantId: e.tenantId,
        channel: e.channel,
        addressHash: hash,
        reason: e.reason,
        provider: e.provider,
        notificationId: e.notificationId,
        occurredAt: new Date(e.occurredAt),
        createdAt,
      });
    });
    const inserted = await insertOnce(this.collection, docs);
    const result = entries.map(() => false);
    positions.forEach((p, i) => (result[p] = inserted[i] as boolean));
    return result;
  }

  /** The refs among `refs` whose address is marked, as given, in one query. */
  async suppressedAmong<R extends AddressRef>(refs: readonly R[]): Promise<R[]> {
    const idOf = refs.map(suppressionId);
    const ids = [...new Set(idOf.filter((id): id is string => id !== null))];
    if (ids.length === 0) return [];
    // The limit lets the server close the cursor with its first batch: no getMore, no killCursors.
    const found = await this.collection
      .find({ _id: { $in: ids } }, { projection: { _id: 1 }, limit: ids.length, batchSize: ids.length })
      .toArray();
    const marked = new Set(found.map((d) => d._id));
    return refs.filter((_, i) => {
      const id = idOf[i];
      return typeof id === 'string' && marked.has(id);
    });
  }

  /** The mark on an address, for an operator to see why it is suppressed. */
  async find(ref: AddressRef): Promise<SuppressionDoc | null> {
    const id = suppressionId(ref);
    return id === null ? null : this.collection.findOne({ _id: id });
  }

  /** Lifts the mark (an operator's call); false when the address was not marked. */
  async release(ref: AddressRef): Promise<boolean> {
    const id = suppressionId(ref);
    if (id === null) return false;
    return (await this.collection.deleteOne({ _id: id })).deletedCount === 1;
  }
}
