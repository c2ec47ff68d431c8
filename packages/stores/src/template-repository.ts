import type { Collection, Db } from 'mongodb';
import type { Redis } from 'ioredis';
import type { Channel } from '@notify/schemas';
import { Collections, type TemplateDoc } from './documents.js';
import { cacheKey } from './cache-key.js';
import { isDuplicateKeyError } from './mongo-errors.js';
import { ReadThroughCache, type ReadThroughCacheOptions } from './read-through-cache.js';

/** A new template version; the repository assigns version and createdAt. */
export type TemplateInput = Omit<TemplateDoc, 'version' | 'createdAt'>;

export interface TemplateKey {
  tenantId: string;
  templateId: string;
}

/** The key of getManyTemplates' result map for one template. */
export function templateKeyOf(key: TemplateKey): string {
  return cacheKey(key.tenantId, key.templateId);
}

export interface TemplateRepositoryOptions {
  /** Read-through cache of each template's latest versions; put invalidates it. */
  cache?: ReadThroughCache<TemplateDoc[]>;
  now?: () => number;
}

/** A cache of latest template versions that revives their dates. */
export function createTemplateCache(
  redis: Redis,
  options: Partial<ReadThroughCacheOptions<TemplateDoc[]>> = {},
): ReadThroughCache<TemplateDoc[]> {
  return new ReadThroughCache<TemplateDoc[]>(redis, {
    prefix: 'notify:cache:template:',
    decode: (raw) =>
      (JSON.parse(raw) as TemplateDoc[]).map((d) => ({ ...d, createdAt: new Date(d.createdAt) })),
    ...options,
  });
}

const MAX_VERSION_RACES = 5;

/** Keeps the highest version of each (channel, locale). */
function latestPerVariant(docs: readonly TemplateDoc[]): TemplateDoc[] {
  const latest = new Map<string, TemplateDoc>();
  for (const doc of docs) {
    const variant = cacheKey(doc.channel, doc.locale);
    const current = latest.get(variant);
    if (!current || doc.version > current.version) latest.set(variant, doc);
  }
  return [...latest.values()].sort(
    (a, b) => a.channel.localeCompare(b.channel) || a.locale.localeCompare(b.locale),
  );
}

export class TemplateRepository {
  private readonly collection: Collection<TemplateDoc>;
  private readonly cache: ReadThroughCache<TemplateDoc[]> | undefined;
  private readonly now: () => number;

  constructor(db: Db, options: TemplateRepositoryOptions = {}) {
    this.collection = db.collection<TemplateDoc>(Collections.templates);
    this.cache = options.cache;
    this.now = options.now ?? Date.now;
  }

  /** Stores a new version: one more than the highest of its (tenant, template, channel, locale). */
  async put(input: TemplateInput): Promise<TemplateDoc> {
    const variant = {
      tenantId: input.tenantId,
      templateId: input.templateId,
      channel: input.channel,
      locale: input.locale,
    };
    for (let attempt = 1; ; attempt++) {
      const top = await this.collection.findOne(variant, {
        sort: { version: -1 },
        projection: { version: 1 },
      });
      const doc: TemplateDoc = {
        ...input,
        version: (top?.version ?? 0) + 1,
        createdAt: new Date(this.now()),
      };
      try {
        // Insert a copy: the driver adds _id to the object it is given.
        await this.collection.insertOne({ ...doc });
        await this.cache?.invalidate([templateKeyOf(input)]);
        return doc;
      } catch (err) {
        // Another writer took this version number; read the new maximum and try again.
        if (!isDuplicateKeyError(err) || attempt >= MAX_VERSION_RACES) throw err;
      }
    }
  }

  /** One exact version, or the latest when `version` is omitted. */
  async get(
    tenantId: string,
    templateId: string,
    channel: Channel,
    locale: string,
    version?: number,
  ): Promise<TemplateDoc | null> {
    const filter = { tenantId, templateId, channel, locale, ...(version === undefined ? {} : { version }) };
    return (await this.collection.findOne(filter, {
      sort: { version: -1 },
      projection: { _id: 0 },
    })) as TemplateDoc | null;
  }

  /** The latest version of every (channel, locale) of a template; empty when the template does not exist. */
  async findForNotification(tenantId: string, templateId: string): Promise<TemplateDoc[]> {
    return (
      (await this.getManyTemplates([{ tenantId, templateId }])).get(
        templateKeyOf({ tenantId, templateId }),
      ) ?? []
    );
  }

  /**
   * Latest versions of several templates in one query (plus one MGET when cached), keyed by
   * templateKeyOf; every key asked is present, with an empty list for a template that does not exist.
   */
  async getManyTemplates(keys: readonly TemplateKey[]): Promise<Map<string, TemplateDoc[]>> {
    const byKey = new Map(
      keys.map((k) => [templateKeyOf(k), { tenantId: k.tenantId, templateId: k.templateId }]),
    );
    const load = (wanted: string[]): Promise<Map<string, TemplateDoc[]>> =>
      this.load(wanted.map((k) => byKey.get(k) as TemplateKey));
    const found = this.cache
      ? await this.cache.getMany([...byKey.keys()], load)
      : await load([...byKey.keys()]);
    return new Map([...byKey.keys()].map((k) => [k, found.get(k) ?? []]));
  }

  private async load(keys: TemplateKey[]): Promise<Map<string, TemplateDoc[]>> {
    if (keys.length === 0) return new Map();
    const docs = (await this.collection
      .find(
        { $or: keys.map((k) => ({ tenantId: k.tenantId, templateId: k.templateId })) },
        { projection: { _id: 0 } },
      )
      .toArray()) as TemplateDoc[];
    const grouped = new Map<string, TemplateDoc[]>();
    for (const doc of docs) {
      const key = templateKeyOf(doc);
      const versions = grouped.get(key);
      if (versions) versions.push(doc);
      else grouped.set(key, [doc]);
    }
    return new Map([...grouped].map(([key, versions]) => [key, latestPerVariant(versions)]));
  }
}
