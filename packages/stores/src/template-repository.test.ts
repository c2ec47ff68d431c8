import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import type { Redis } from 'ioredis';
import { ensureIndexes } from './indexes.js';
import { Collections } from './documents.js';
import { TemplateRepository, createTemplateCache, templateKeyOf } from './template-repository.js';
import { openTestDb, openTestRedis } from './test-support.js';

let db: Db;
let commandsOn: (collection: string) => () => string[];
let redis: Redis;
let prefix: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  const mongo = await openTestDb('templates');
  ({ db, commandsOn } = mongo);
  const r = openTestRedis('templates');
  ({ redis, prefix } = r);
  closers.push(mongo.close, r.close);
  await ensureIndexes(db);
});
afterAll(async () => {
  for (const close of closers) await close();
});

const welcome = {
  tenantId: 't1',
  templateId: 'welcome',
  channel: 'EMAIL' as const,
  locale: 'en',
  subject: 'Hi',
  body: 'Hello {{name}}',
};

describe('TemplateRepository', () => {
  it('numbers versions per (tenant, template, channel, locale)', async () => {
    const repo = new TemplateRepository(db, { now: () => 5 });
    expect((await repo.put(welcome)).version).toBe(1);
    expect((await repo.put({ ...welcome, body: 'v2' })).version).toBe(2);
    expect((await repo.put({ ...welcome, locale: 'fr' })).version).toBe(1);
    expect((await repo.put({ ...welcome, channel: 'SMS' })).version).toBe(1);
    expect((await repo.put({ ...welcome, tenantId: 't2' })).version).toBe(1);
    expect(await repo.get('t1', 'welcome', 'EMAIL', 'en')).toEqual({
      ...welcome,
      body: 'v2',
      version: 2,
      createdAt: new Date(5),
    });
    expect((await repo.get('t1', 'welcome', 'EMAIL', 'en', 1))?.body).toBe('Hello {{name}}');
    expect(await repo.get('t1', 'welcome', 'PUSH', 'en')).toBeNull();
  });

  it('gives concurrent puts distinct consecutive versions', async () => {
    const repo = new TemplateRepository(db);
    const docs = await Promise.all(
      Array.from({ length: 4 }, (_, i) => repo.put({ ...welcome, templateId: 'race', body: `b${i}` })),
    );
    expect(docs.map((d) => d.version).sort()).toEqual([1, 2, 3, 4]);
  });

  it('findForNotification returns the latest version of every channel and locale', async () => {
    const repo = new TemplateRepository(db);
    await repo.put({ ...welcome, templateId: 'otp', channel: 'SMS', body: 'old' });
    await repo.put({ ...welcome, templateId: 'otp', channel: 'SMS', body: 'new' });
    await repo.put({ ...welcome, templateId: 'otp', channel: 'SMS', locale: 'pt', body: 'novo' });
    await repo.put({ ...welcome, templateId: 'otp', channel: 'PUSH', body: 'push' });
    const latest = await repo.findForNotification('t1', 'otp');
    expect(latest.map((d) => [d.channel, d.locale, d.version, d.body])).toEqual([
      ['PUSH', 'en', 1, 'push'],
      ['SMS', 'en', 2, 'new'],
      ['SMS', 'pt', 1, 'novo'],
    ]);
    expect(await repo.findForNotification('t1', 'missing')).toEqual([]);
    expect(await repo.findForNotification('t2', 'otp')).toEqual([]);
  });

  it('getManyTemplates loads several templates in one query', async () => {
    const repo = new TemplateRepository(db);
    await repo.put({ ...welcome, templateId: 'a' });
    await repo.put({ ...welcome, templateId: 'b' });
    await repo.put({ ...welcome, tenantId: 't9', templateId: 'a', body: 'other tenant' });
    const finds = commandsOn(Collections.templates);
    const keys = [
      { tenantId: 't1', templateId: 'a' },
      { tenantId: 't1', templateId: 'b' },
      { tenantId: 't9', templateId: 'a' },
      { tenantId: 't1', templateId: 'nope' },
    ];
    const found = await repo.getManyTemplates(keys);
    expect(finds()).toEqual(['find']);
    expect(found.get(templateKeyOf(keys[0]!))?.map((d) => d.templateId)).toEqual(['a']);
    expect(found.get(templateKeyOf(keys[2]!))?.[0]?.body).toBe('other tenant');
    expect(found.get(templateKeyOf(keys[3]!))).toEqual([]);
  });

  it('caches latest versions and put invalidates them', async () => {
    const repo = new TemplateRepository(db, {
      cache: createTemplateCache(redis, { prefix: `${prefix}template:` }),
    });
    await repo.put({ ...welcome, templateId: 'cached' });
    const finds = commandsOn(Collections.templates);
    const first = await repo.findForNotification('t1', 'cached');
    expect(await repo.findForNotification('t1', 'cached')).toEqual(first);
    expect(first[0]?.createdAt).toBeInstanceOf(Date);
    expect(finds()).toEqual(['find']);
    await repo.put({ ...welcome, templateId: 'cached', body: 'v2' });
    expect((await repo.findForNotification('t1', 'cached')).map((d) => d.version)).toEqual([2]);
  });
});
