import { ErrorCodes, PermanentError } from '@notify/core';
import type { Collection, Db } from 'mongodb';
import { Collections } from '../documents.js';
import { insertOnce } from '../insert-once.js';
import { isDuplicateKeyError } from '../mongo-errors.js';
import type { DigestCloseDoc, DigestHeadDoc, DigestItem, DigestItemDoc, DigestWindowDoc } from './digest-documents.js';
import { digestIdOf, windowKey } from './digest-id.js';

/** An item to collect, with what its window needs should it be the one that opens it. */
export interface NewDigestItem {
  tenantId: string;
  userId: string;
  key: string;
  notificationId: string;
  data: Record<string, string>;
  at: Date;
  /** When a window this item opens closes (the window's own closesAt wins for every later item). */
  closesAt: Date;
  /** A window this item opens closes early at this many items (null: only at closesAt). */
  maxItems: number | null;
  /** Kept as the window's `opener` when this item opens it. */
  record: Record<string, unknown>;
}

/** Where an item went. The same item added again (a replay) gets the same answer. */
export interface AddedDigestItem {
  digestId: string;
  generation: number;
  /** The item's place in its window, from 1: 1 opened it, maxItems filled it. */
  position: number;
  closesAt: Date;
  maxItems: number | null;
}

export interface DigestWindowRepositoryOptions {
  /** Prefix of the four collections, for a test's own. */
  collectionPrefix?: string;
  now?: () => number;
}

/** A window was asked for that no item opened: a close marker or closer out of step with the store. */
export class DigestWindowNotFoundError extends PermanentError {
  constructor(readonly digestId: string) {
    super(ErrorCodes.NOT_FOUND, `digest window ${digestId} was never opened`, { details: { digestId } });
  }
}

/** An item walked past MAX_GENERATION_STEPS closed windows: the store is out of step with itself. */
export class DigestGenerationsExhaustedError extends PermanentError {
  constructor(readonly notificationId: string) {
    super(ErrorCodes.INTERNAL, `digest item ${notificationId} found ${MAX_GENERATION_STEPS} closed windows in a row`, { details: { notificationId } });
  }
}

// Longer than the enriched topic's retention (7 days): a replayed record still finds where its item went.
const RETAIN_AFTER_CLOSE_MS = 8 * 24 * 60 * 60 * 1000; // 8 days
// Successive closed generations an item walks past before giving up; reaching it means a store out of step.
const MAX_GENERATION_STEPS = 1_000;

/**
 * Durable digest windows: notifications with the same (tenant, user, key) collected into one digest per
 * window generation; every lookup is by _id.
 *
 * Nothing lost, nothing twice, also when the same record is processed again (an aborted transaction, a
 * fenced replica still running) or an item and a close of its window meet (a record on a retry tier):
 * - an item's document records the generation it is placed in (or trying), written before any placement
 *   and moved forward only once that generation was found closed without the item;
 * - an item joins a generation by one conditional update of the window document (open, not full, not
 *   holding it yet), the only write that changes a window's items;
 * - a window is closed by inserting its close claim under the digest id (one closer wins, and only the
 *   same closer is answered again), then marking the window closed; its items are read after that mark,
 *   when no item can join any more, so every answer to the winning closer lists the same items.
 */
export class DigestWindowRepository {
  private readonly collections: DigestCollections;
  private readonly now: () => number;

  constructor(db: Db, options: DigestWindowRepositoryOptions = {}) {
    const name = (collection: string) => `${options.collectionPrefix ?? ''}${collection}`;
    this.collections = {
      windows: db.collection<DigestWindowDoc>(name(Collections.digestWindows)),
      heads: db.collection<DigestHeadDoc>(name(Collections.digestHeads)),
      items: db.collection<DigestItemDoc>(name(Collections.digestItems)),
      closes: db.collection<DigestCloseDoc>(name(Collections.digestCloses)),
    };
    this.now = options.now ?? Date.now;
  }

  /**
   * Work on many items and closes in order, as a slice does: where each of `items` stands is read (and
   * recorded for new ones) in a few commands for all of them, and windows already read are not read again.
   */
  async session(items: readonly NewDigestItem[]): Promise<DigestSession> {
    return DigestSession.open(this.collections, items, this.now);
  }

  /**
   * Adds an item to the open window of its (tenant, user, key), opening one when there is none (the next
   * generation after a closed one). Idempotent by notification id.
   */
  async add(item: NewDigestItem): Promise<AddedDigestItem> {
    return (await this.session([item])).add(item);
  }

  /**
   * Closes a window for `closer` (a stable id of the closing record). Returns the window with its frozen
   * items when this call closed it or an earlier call of the same closer did; null when another closer did.
   */
  async close(digestId: string, closer: string): Promise<DigestWindowDoc | null> {
    return (await this.session([])).close(digestId, closer);
  }

  async get(digestId: string): Promise<DigestWindowDoc | null> {
    return this.collections.windows.findOne({ _id: digestId });
  }
}

interface DigestCollections {
  windows: Collection<DigestWindowDoc>;
  heads: Collection<DigestHeadDoc>;
  items: Collection<DigestItemDoc>;
  closes: Collection<DigestCloseDoc>;
}

/**
 * One slice's digest work (see DigestWindowRepository.session). What it remembers of windows is only what
 * cannot change back (an item a window holds, a window closed or full); anything else is asked again.
 */
export class DigestSession {
  private readonly windows = new Map<string, DigestWindowDoc>();

  private constructor(
    private readonly c: DigestCollections,
    private readonly now: () => number,
    /** Item → the generation it is placed in or trying. */
    private readonly generations: Map<string, number>,
    /** Window key → its head's generation as last read or written (absent: not read). */
    private readonly headGenerations: Map<string, number>,
  ) {}

  static async open(c: DigestCollections, items: readonly NewDigestItem[], now: () => number): Promise<DigestSession> {
    const generations = new Map<string, number>();
    const headGenerations = new Map<string, number>();
    const ids = [...new Set(items.map((i) => i.notificationId))];
    if (ids.length === 0) return new DigestSession(c, now, generations, headGenerations);

    for (const doc of await c.items.find({ _id: { $in: ids } }).toArray()) generations.set(doc._id, doc.generation);
    const keys = [...new Set(items.map(keyOf))];
    for (const head of await c.heads.find({ _id: { $in: keys } }).toArray()) headGenerations.set(head._id, head.generation);
    const fresh = [...new Map(items.filter((i) => !generations.has(i.notificationId)).map((i) => [i.notificationId, i])).values()];
    if (fresh.length === 0) return new DigestSession(c, now, generations, headGenerations);

    const docs: DigestItemDoc[] = fresh.map((item) => {
      const generation = Math.max(headGenerations.get(keyOf(item)) ?? 0, 0);
      return {
        _id: item.notificationId,
        tenantId: item.tenantId,
        generation,
        digestId: digestIdOf(item.tenantId, item.userId, item.key, generation),
        expiresAt: retainedUntil(item.closesAt, now()),
      };
    });
    const inserted = await insertOnce(c.items, docs);
    const raced: string[] = [];
    for (const [i, doc] of docs.entries()) {
      if (inserted[i]) generations.set(doc._id, doc.generation);
      else raced.push(doc._id);
    }
    // The same items being added elsewhere at once (a fenced replica): follow their documents.
    if (raced.length > 0) for (const doc of await c.items.find({ _id: { $in: raced } }).toArray()) generations.set(doc._id, doc.generation);
    return new DigestSession(c, now, generations, headGenerations);
  }

  /** DigestWindowRepository.add, for an item the session was opened with (any other is looked up alone). */
  async add(item: NewDigestItem): Promise<AddedDigestItem> {
    let generation = this.generations.get(item.notificationId);
    if (generation === undefined) {
      const alone = await DigestSession.open(this.c, [item], this.now);
      generation = alone.generations.get(item.notificationId)!;
      for (const [key, g] of alone.headGenerations) this.headGenerations.set(key, g);
    }
    for (let step = 0; step < MAX_GENERATION_STEPS; step += 1) {
      const digestId = digestIdOf(item.tenantId, item.userId, item.key, generation);
      const window = await this.place(digestId, generation, item);
      if (window) {
        this.generations.set(item.notificationId, generation);
        await this.advanceHead(item, generation);
        return {
          digestId,
          generation,
          position: window.items.findIndex((i) => i.notificationId === item.notificationId) + 1,
          closesAt: window.closesAt,
          maxItems: window.maxItems,
        };
      }
      generation += 1;
      await this.c.items.updateOne(
        { _id: item.notificationId, generation: { $lt: generation } },
        { $set: { generation, digestId: digestIdOf(item.tenantId, item.userId, item.key, generation) } },
      );
    }
    throw new DigestGenerationsExhaustedError(item.notificationId);
  }

  /** DigestWindowRepository.close. */
  async close(digestId: string, closer: string): Promise<DigestWindowDoc | null> {
    const opened = this.windows.get(digestId) ?? (await this.c.windows.findOne({ _id: digestId }));
    if (!opened) throw new DigestWindowNotFoundError(digestId);
    const now = this.now();
    const [claimed] = await insertOnce(this.c.closes, [
      { _id: digestId, closedBy: closer, closedAt: new Date(now), expiresAt: retainedUntil(opened.closesAt, now) },
    ]);
    if (!claimed) {
      const claim = await this.c.closes.findOne({ _id: digestId });
      if (claim?.closedBy !== closer) return null;
    }
    await this.c.windows.updateOne({ _id: digestId }, { $set: { state: 'closed', closedBy: closer } });
    const closed = await this.c.windows.findOne({ _id: digestId });
    if (!closed) throw new DigestWindowNotFoundError(digestId);
    this.windows.set(digestId, closed);
    return closed;
  }

  /** The window of `generation` once it holds the item, or null when it is closed or full without it. */
  private async place(digestId: string, generation: number, item: NewDigestItem): Promise<DigestWindowDoc | null> {
    const entry: DigestItem = { notificationId: item.notificationId, data: item.data, at: item.at };
    let window = this.windows.get(digestId) ?? (await this.c.windows.findOne({ _id: digestId }));
    if (!window) {
      const fresh: DigestWindowDoc = {
        _id: digestId,
        tenantId: item.tenantId,
        userId: item.userId,
        key: item.key,
        generation,
        state: 'open',
        items: [entry],
        opener: item.record,
        openedAt: item.at,
        closesAt: item.closesAt,
        maxItems: item.maxItems,
        expiresAt: retainedUntil(item.closesAt, this.now()),
      };
      const [opened] = await insertOnce(this.c.windows, [fresh]);
      // Else another first item opened it at the same moment.
      window = opened ? fresh : await this.c.windows.findOne({ _id: digestId });
      if (!window) throw new DigestWindowNotFoundError(digestId);
    }
    this.windows.set(digestId, window);
    if (holds(window, item.notificationId)) return window;
    if (window.state !== 'open' || isFull(window)) return null;
    const joined = await this.c.windows.findOneAndUpdate(
      {
        _id: digestId,
        state: 'open',
        'items.notificationId': { $ne: item.notificationId },
        ...(window.maxItems === null ? {} : { [`items.${window.maxItems - 1}`]: { $exists: false } }),
      },
      { $push: { items: entry } },
      { returnDocument: 'after' },
    );
    // Else closed or filled meanwhile, or the same item joined from elsewhere.
    window = joined ?? (await this.c.windows.findOne({ _id: digestId }));
    if (!window) throw new DigestWindowNotFoundError(digestId);
    this.windows.set(digestId, window);
    return holds(window, item.notificationId) ? window : null;
  }

  /** Moves the window's head up to `generation`; never back. */
  private async advanceHead(item: NewDigestItem, generation: number): Promise<void> {
    const _id = keyOf(item);
    if (generation <= (this.headGenerations.get(_id) ?? -1)) return;
    try {
      await this.c.heads.updateOne({ _id }, { $max: { generation } }, { upsert: true });
    } catch (err) {
      // Two first items of a key upserting at once: the loser's update finds the document now.
      if (!isDuplicateKeyError(err)) throw err;
      await this.c.heads.updateOne({ _id }, { $max: { generation } });
    }
    this.headGenerations.set(_id, generation);
  }
}

function keyOf(item: Pick<NewDigestItem, 'tenantId' | 'userId' | 'key'>): string {
  return windowKey(item.tenantId, item.userId, item.key);
}

function holds(window: DigestWindowDoc, notificationId: string): boolean {
  return window.items.some((i) => i.notificationId === notificationId);
}

function isFull(window: DigestWindowDoc): boolean {
  return window.maxItems !== null && window.items.length >= window.maxItems;
}

function retainedUntil(closesAt: Date, now: number): Date {
  return new Date(Math.max(closesAt.getTime(), now) + RETAIN_AFTER_CLOSE_MS);
}
