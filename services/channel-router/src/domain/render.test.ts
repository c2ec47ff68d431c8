import { ErrorCodes, PermanentError } from '@notify/core';
import { describe, expect, it } from 'vitest';
import { content } from './__fixtures__/notifications.js';
import { compiledTemplateCount, renderContent, renderContext, truncateText } from './render.js';

const options = { templateId: 'order-shipped', smsMaxLength: 1600 };

function renderError(fn: () => unknown): PermanentError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PermanentError);
    return err as PermanentError;
  }
  throw new Error('expected a PermanentError');
}

describe('renderContent', () => {
  it('renders subject, text and html with the data', () => {
    const rendered = renderContent(content('EMAIL'), { name: 'Ada', orderId: 'A-1' }, options);
    expect(rendered).toEqual({
      subject: 'Hello Ada',
      text: 'Hi Ada, your order A-1 shipped.',
      html: '<p>Hi Ada</p>',
      missingVariables: [],
    });
  });

  it('HTML-escapes values in the email html', () => {
    const rendered = renderContent(content('EMAIL'), { name: '<script>alert("x")</script>' }, options);
    expect(rendered.html).toBe('<p>Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>');
    expect(rendered.html).not.toContain('<script>');
  });

  it('does not HTML-escape subject or plain-text body', () => {
    const rendered = renderContent(content('EMAIL'), { name: 'Tom & Jerry <3', orderId: '"A-1"' }, options);
    expect(rendered.subject).toBe('Hello Tom & Jerry <3');
    expect(rendered.text).toBe('Hi Tom & Jerry <3, your order "A-1" shipped.');
  });

  it('keeps a template that is not escaped in text and escaped in html apart in the cache', () => {
    const same = 'x {{v}}';
    const c = content('EMAIL', { subject: same, body: same, html: same });
    const rendered = renderContent(c, { v: '<b>' }, options);
    expect(rendered.text).toBe('x <b>');
    expect(rendered.html).toBe('x &lt;b&gt;');
  });

  it('renders missing variables empty and reports each once, sorted', () => {
    const c = content('EMAIL', {
      subject: '{{zeta}} {{name}}',
      body: 'Hi {{name}} {{zeta}}',
      html: '<p>{{{alpha}}}</p>',
    });
    const rendered = renderContent(c, {}, options);
    expect(rendered.subject).toBe(' ');
    expect(rendered.text).toBe('Hi  ');
    expect(rendered.html).toBe('<p></p>');
    expect(rendered.missingVariables).toEqual(['alpha', 'name', 'zeta']);
  });

  it('does not report variables used only in conditions', () => {
    const c = content('SMS', { body: '{{#if coupon}}Use {{coupon}}{{else}}No coupon{{/if}}' });
    expect(renderContent(c, {}, options)).toMatchObject({ text: 'No coupon', missingVariables: [] });
    expect(renderContent(c, { coupon: 'SAVE10' }, options)).toMatchObject({
      text: 'Use SAVE10',
      missingVariables: [],
    });
  });

  it('reports missing variables per render, not across renders', () => {
    const c = content('SMS', { body: 'Hi {{name}}' });
    expect(renderContent(c, {}, options).missingVariables).toEqual(['name']);
    expect(renderContent(c, { name: 'Ada' }, options).missingVariables).toEqual([]);
  });

  it('leaves subject and html null when the template has none', () => {
    const rendered = renderContent(content('SMS'), { name: 'Ada', orderId: 'A-1' }, options);
    expect(rendered.subject).toBeNull();
    expect(rendered.html).toBeNull();
  });

  it('cuts SMS bodies to the configured length, and only SMS bodies', () => {
    const long = 'x'.repeat(2000);
    expect(renderContent(content('SMS', { body: long }), {}, options).text).toHaveLength(1600);
    expect(
      renderContent(content('SMS', { body: long }), {}, { ...options, smsMaxLength: 160 }).text,
    ).toHaveLength(160);
    expect(
      renderContent(content('EMAIL', { body: long }), {}, { ...options, smsMaxLength: 160 }).text,
    ).toHaveLength(2000);
  });

  it('reuses the compiled template for the same source', () => {
    const c = content('SMS', { body: `cache probe ${Math.random()} {{name}}` });
    renderContent(c, { name: 'a' }, options);
    const count = compiledTemplateCount();
    expect(renderContent(c, { name: 'b' }, options).text).toMatch(/ b$/);
    expect(compiledTemplateCount()).toBe(count);
  });

  it('turns a syntax error into a PermanentError naming template and channel', () => {
    const err = renderError(() => renderContent(content('PUSH', { body: 'Hi {{name' }), {}, options));
    expect(err.code).toBe(ErrorCodes.VALIDATION);
    expect(err.canRetry).toBe(false);
    expect(err.message).toMatch(/^template order-shipped v3 \(PUSH, en-GB\) body: /);
    expect(err.details).toMatchObject({
      templateId: 'order-shipped',
      channel: 'PUSH',
      field: 'body',
      version: 3,
    });
  });

  it('names the field that failed', () => {
    const err = renderError(() => renderContent(content('EMAIL', { html: '{{#each items}}' }), {}, options));
    expect(err.details.field).toBe('html');
  });

  it('treats a call to an unknown helper as a template error', () => {
    const err = renderError(() =>
      renderContent(content('SMS', { body: '{{shout name}}' }), { name: 'a' }, options),
    );
    expect(err.code).toBe(ErrorCodes.VALIDATION);
    expect(err.message).toMatch(/unknown helper "shout"/);
  });

  it('does not expose prototype properties of the data', () => {
    const rendered = renderContent(content('SMS', { body: '[{{constructor}}][{{__proto__}}]' }), {}, options);
    expect(rendered.text).toBe('[][]');
  });
});

describe('digest rendering', () => {
  const digest = JSON.stringify({
    count: 12,
    items: [
      { notificationId: 'n-1', comment: 'First <b>' },
      { notificationId: 'n-2', comment: 'Second' },
    ],
    more: 10,
  });
  const template = content('EMAIL', {
    subject: '{{digest.count}} new comments',
    body: '{{#each digest.items}}- {{comment}} ({{notificationId}})\n{{/each}}{{#if digest.more}}and {{digest.more}} more{{/if}}',
    html: '<ul>{{#each digest.items}}<li>{{comment}}</li>{{/each}}</ul>',
  });

  it('gives templates the digest as an object: its count, its listed items and how many more', () => {
    const rendered = renderContent(template, { name: 'Ada', digest, digestCount: '12', digestKey: 'comments' }, options);
    expect(rendered.subject).toBe('12 new comments');
    expect(rendered.text).toBe('- First <b> (n-1)\n- Second (n-2)\nand 10 more');
    expect(rendered.html).toBe('<ul><li>First &lt;b&gt;</li><li>Second</li></ul>');
    expect(rendered.missingVariables).toEqual([]);
  });

  it('leaves a digest variable that is not a JSON object as the string it is', () => {
    expect(renderContext({ digest: 'weekly' })).toEqual({ digest: 'weekly' });
    expect(renderContext({ digest: '[1,2]' })).toEqual({ digest: '[1,2]' });
    expect(renderContext({ name: 'Ada' })).toEqual({ name: 'Ada' });
    expect(renderContent(content('SMS', { body: 'Your {{digest}} digest' }), { digest: 'weekly' }, options).text).toBe('Your weekly digest');
  });
});

describe('truncateText', () => {
  it('leaves short text alone', () => {
    expect(truncateText('hello', 5)).toBe('hello');
  });

  it('never splits a surrogate pair', () => {
    expect(truncateText('ab😀c', 3)).toBe('ab');
    expect(truncateText('ab😀c', 4)).toBe('ab😀');
  });
});
