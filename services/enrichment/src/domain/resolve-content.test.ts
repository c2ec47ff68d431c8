import { describe, expect, it } from 'vitest';
import { resolveContent, type TemplateVariant } from './resolve-content.js';

const v = (
  channel: TemplateVariant['channel'],
  locale: string,
  version: number,
  body = `${channel}/${locale}/v${version}`,
): TemplateVariant => ({
  channel,
  locale,
  version,
  body,
});

const templates: TemplateVariant[] = [
  { ...v('EMAIL', 'en', 1), subject: 'Hi', html: '<p>Hi</p>' },
  v('EMAIL', 'en', 3),
  v('EMAIL', 'pt', 2),
  v('EMAIL', 'pt', 1),
  v('SMS', 'en', 1),
  v('SMS', 'pt-BR', 4),
  v('PUSH', 'de', 1),
];

describe('resolveContent', () => {
  it('picks, per channel, the latest version in the first locale of the chain that has one', () => {
    expect(resolveContent(templates, ['pt-BR', 'pt', 'en'], ['EMAIL', 'SMS'])).toEqual([
      { channel: 'EMAIL', locale: 'pt', version: 2, subject: null, body: 'EMAIL/pt/v2', html: null },
      { channel: 'SMS', locale: 'pt-BR', version: 4, subject: null, body: 'SMS/pt-BR/v4', html: null },
    ]);
  });

  it('keeps the requested channel order and leaves out channels without content in the chain', () => {
    expect(
      resolveContent(templates, ['en'], ['SMS', 'PUSH', 'EMAIL']).map((c) => [c.channel, c.version]),
    ).toEqual([
      ['SMS', 1],
      ['EMAIL', 3],
    ]);
  });

  it('resolves every channel the template has when none is requested', () => {
    expect(resolveContent(templates, ['de', 'en']).map((c) => `${c.channel}:${c.locale}`)).toEqual([
      'EMAIL:en',
      'SMS:en',
      'PUSH:de',
    ]);
  });

  it('carries subject and html through', () => {
    const [email] = resolveContent([{ ...v('EMAIL', 'en', 1), subject: 'Hi', html: '<p>Hi</p>' }], ['en']);
    expect(email).toMatchObject({ subject: 'Hi', html: '<p>Hi</p>' });
  });

  it('matches stored locales whatever their spelling', () => {
    expect(resolveContent([v('SMS', 'pt_br', 1)], ['pt-BR'])[0]?.locale).toBe('pt_br');
  });

  it('is empty when nothing matches', () => {
    expect(resolveContent(templates, ['ja'], ['EMAIL'])).toEqual([]);
    expect(resolveContent([], ['en'])).toEqual([]);
  });
});
