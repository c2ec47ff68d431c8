import { describe, expect, it } from 'vitest';
import { validateMailSend } from './sendgrid-validation.js';

const valid = {
  personalizations: [{ to: [{ email: 'ada@example.com' }] }],
  from: { email: 'noreply@notify.example' },
  subject: 'Hello',
  content: [
    { type: 'text/plain', value: 'Hi' },
    { type: 'text/html', value: '<p>Hi</p>' },
  ],
};

const fields = (body: unknown): Array<string | null> => validateMailSend(body).map((e) => e.field);

describe('validateMailSend', () => {
  it('accepts a complete message', () => {
    expect(validateMailSend(valid)).toEqual([]);
  });

  it('requires 1..1000 personalizations', () => {
    expect(fields({ ...valid, personalizations: [] })).toEqual(['personalizations']);
    const many = Array.from({ length: 1001 }, (_, i) => ({ to: [{ email: `u${i}@example.com` }] }));
    expect(validateMailSend({ ...valid, personalizations: many })[0]?.message).toMatch(
      /limited to 1000 personalizations/,
    );
  });

  it('requires a to array of valid addresses in each personalization', () => {
    expect(fields({ ...valid, personalizations: [{ to: [] }] })).toEqual(['personalizations.0.to']);
    expect(fields({ ...valid, personalizations: [{ to: [{ email: 'not-an-email' }] }] })).toEqual([
      'personalizations.0.to.0.email',
    ]);
    expect(
      fields({
        ...valid,
        personalizations: [{ to: [{ email: 'a@example.com' }], cc: [{ email: 'A@example.com' }] }],
      }),
    ).toEqual(['personalizations.0']);
  });

  it('requires a valid from address', () => {
    expect(fields({ ...valid, from: undefined })).toEqual(['from.email']);
    expect(fields({ ...valid, from: { email: 'nope' } })).toEqual(['from.email']);
  });

  it('requires a subject at the top level or in every personalization', () => {
    expect(fields({ ...valid, subject: undefined })).toEqual(['subject']);
    expect(
      fields({
        ...valid,
        subject: undefined,
        personalizations: [{ to: [{ email: 'a@example.com' }], subject: 'Hi' }],
      }),
    ).toEqual([]);
  });

  it('requires content blocks with type and value unless a template is used', () => {
    expect(fields({ ...valid, content: [] })).toEqual(['content']);
    expect(fields({ ...valid, content: [{ type: 'text/plain', value: '' }] })).toEqual(['content.0.value']);
    expect(fields({ ...valid, content: [{ type: 'text/html; charset=utf-8', value: 'x' }] })).toEqual([
      'content.0.type',
    ]);
    expect(
      fields({
        ...valid,
        content: [
          { type: 'text/html', value: 'x' },
          { type: 'text/plain', value: 'x' },
        ],
      }),
    ).toEqual(['content']);
    expect(fields({ ...valid, content: undefined, subject: undefined, template_id: 'd-123' })).toEqual([]);
  });

  it('requires string custom_args and headers, and refuses reserved headers', () => {
    expect(fields({ ...valid, custom_args: { n: 1 } })).toEqual(['custom_args']);
    expect(fields({ ...valid, headers: { 'X-Ok': 'yes', Subject: 'no' } })).toEqual(['headers.Subject']);
  });

  it('answers a non-object body with Bad Request', () => {
    expect(validateMailSend('x')).toEqual([{ message: 'Bad Request', field: null, help: null }]);
  });
});
