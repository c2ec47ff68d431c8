/** One notification collected into a digest window. */
export interface DigestItem {
  notificationId: string;
  /** The item's template variables. */
  data: Record<string, string>;
  /** When the item joined the window. */
  at: Date;
}

/** One generation of a (tenant, user, digest key) window: the items of one digest. */
export interface DigestWindowDoc {
  _id: string; // digestId: deterministic from tenant, user, key and generation (digestIdOf)
  tenantId: string;
  userId: string;
  key: string;
  generation: number;
  /** open: items may join; closed: frozen, kept so that a replayed close returns the same items. */
  state: 'open' | 'closed';
  /** In joining order; the first opened the window. */
  items: DigestItem[];
  /**
   * The first item's record as the stage that opened the window holds it (the preference filter: its
   * NotificationEnriched), whatever closes the window: the digest is built from it.
   */
  opener: Record<string, unknown>;
  openedAt: Date;
  closesAt: Date;
  /** The window closes early at this many items (null: only at closesAt). */
  maxItems: number | null;
  /** Who closed it (a record's origin), once closed. */
  closedBy?: string;
  /** Removed after this instant (TTL index or sweeper). */
  expiresAt: Date;
}

/**
 * The latest generation of a (tenant, user, key) window known to have been opened: where new items start
 * looking. Never expires: generations, and so digest ids, must not start again from 0 once the windows
 * before have expired, or a new digest would take the id (deliveries, timeline) of an old one.
 */
export interface DigestHeadDoc {
  _id: string; // windowKey(tenantId, userId, key)
  generation: number;
}

/**
 * Where an item went: the generation it is in, or the one it is trying to join. It only moves forward,
 * and only once the earlier generation was found closed without the item, so a replayed item finds
 * its window again and is never placed twice.
 */
export interface DigestItemDoc {
  _id: string; // the item's notificationId
  tenantId: string;
  generation: number;
  digestId: string;
  expiresAt: Date;
}

/** The claim that closed a window: inserted once under the digest id, so exactly one closer wins. */
export interface DigestCloseDoc {
  _id: string; // digestId
  closedBy: string;
  closedAt: Date;
  expiresAt: Date;
}
