import { Topics } from '@notify/schemas';
import { describe, expect, it } from 'vitest';
import { knownSchemas, parseSchemaName, TopicSchemaResolver, type SubjectLookup } from './topic-schemas.js';

function lookup(subjects: Record<string, string>): SubjectLookup & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    latestRecordName: async (subject) => {
      asked.push(subject);
      return subjects[subject];
    },
  };
}

describe('TopicSchemaResolver', () => {
  it('knows every pipeline schema by its full record name', () => {
    expect(knownSchemas().get('io.notify.pipeline.v1.NotificationAccepted')).toBe('notification-accepted');
    expect([...knownSchemas().values()].sort()).toEqual([
      'broadcast-expansion',
      'dispatch',
      'notification-accepted',
      'notification-enriched',
      'notification-filtered',
      'notification-request',
      'notification-status',
    ]);
  });

  it('answers from the topic registry without asking the schema registry', async () => {
    const l = lookup({});
    const r = new TopicSchemaResolver(l);
    expect(await r.schemaFor(Topics.enriched.name)).toBe('notification-enriched');
    expect(l.asked).toEqual([]);
  });

  it('falls back to the record name under <topic>-value, once per topic', async () => {
    const l = lookup({
      'test.in-value': 'io.notify.pipeline.v1.NotificationAccepted',
      'other-value': 'com.example.Unknown',
    });
    const r = new TopicSchemaResolver(l);
    expect(await r.schemaFor('test.in')).toBe('notification-accepted');
    expect(await r.schemaFor('test.in')).toBe('notification-accepted');
    expect(await r.schemaFor('other')).toBeUndefined();
    expect(await r.schemaFor('missing')).toBeUndefined();
    expect(l.asked).toEqual(['test.in-value', 'other-value', 'missing-value']);
  });

  it('uses an explicit schema for every topic', async () => {
    const r = new TopicSchemaResolver(undefined, 'dispatch');
    expect(await r.schemaFor(Topics.accepted.name)).toBe('dispatch');
  });

  it('accepts only known schema names', () => {
    expect(parseSchemaName('notification-status')).toBe('notification-status');
    expect(() => parseSchemaName('nope')).toThrow(/unknown schema "nope"/);
  });
});
