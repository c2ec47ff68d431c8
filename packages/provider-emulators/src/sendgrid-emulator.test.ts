import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from './emulator-handle.js';
import {
  DEFAULT_SENDGRID_API_KEY,
  startSendGridEmulator,
  type SendGridReceived,
} from './sendgrid-emulator.js';

const mail = {
  personalizations: [{ to: [{ email: 'ada@example.com' }] }],
  from: { email: 'noreply@notify.example', name: 'Notify' },
  subject: 'Your code',
  content: [
    { type: 'text/plain', value: 'Code: 1234' },
    { type: 'text/html', value: '<p>Code: 1234</p>' },
  ],
  custom_args: { notification_id: 'n-1' },
};

let sg: EmulatorHandle<SendGridReceived>;

function send(body: unknown, key = DEFAULT_SENDGRID_API_KEY): Promise<Response> {
  return fetch(`${sg.url}/v3/mail/send`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

beforeAll(async () => {
  sg = await startSendGridEmulator({ port: 0 });
});
afterAll(() => sg.stop());
beforeEach(() => {
  sg.control.reset();
  sg.clearReceived();
});

describe('SendGrid emulator', () => {
  it('accepts a valid send with 202, an empty body and X-Message-Id, and records it', async () => {
    const res = await send(mail);
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    const id = res.headers.get('x-message-id');
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(sg.received).toHaveLength(1);
    expect(sg.received[0]).toMatchObject({
      messageId: id,
      to: ['ada@example.com'],
      from: 'noreply@notify.example',
      subject: 'Your code',
      text: 'Code: 1234',
      html: '<p>Code: 1234</p>',
      body: { custom_args: { notification_id: 'n-1' } },
    });
    expect(sg.received[0]?.headers.authorization).toBeUndefined();
  });

  it('answers 401 with SendGrid errors for a missing or wrong key', async () => {
    const missing = await fetch(`${sg.url}/v3/mail/send`, { method: 'POST', body: JSON.stringify(mail) });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      errors: [{ message: 'authorization required', field: null, help: null }],
    });

    const wrong = await send(mail, 'SG.wrong');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      errors: [
        {
          message: 'The provided authorization grant is invalid, expired, or revoked',
          field: null,
          help: null,
        },
      ],
    });
    expect(sg.received).toHaveLength(0);
  });

  it('answers 400 naming the bad field', async () => {
    const res = await send({ ...mail, personalizations: [{ to: [{ email: 'nope' }] }] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ field: string; message: string; help: string }> };
    expect(body.errors).toEqual([
      expect.objectContaining({
        field: 'personalizations.0.to.0.email',
        message: 'Does not contain a valid address.',
      }),
    ]);
    expect((await send({ ...mail, content: [] })).status).toBe(400);
    expect((await send('{not json')).status).toBe(400);
    expect(sg.received).toHaveLength(0);
  });

  it('answers 413 above 30 MB', async () => {
    const big = { ...mail, content: [{ type: 'text/plain', value: 'x'.repeat(31 * 1024 * 1024) }] };
    const res = await send(big);
    expect(res.status).toBe(413);
    expect(sg.received).toHaveLength(0);
  });

  it('fails scripted calls, then recovers', async () => {
    sg.control.failNext(2, 503);
    expect((await send(mail)).status).toBe(503);
    expect((await send(mail)).status).toBe(503);
    expect((await send(mail)).status).toBe(202);
    expect(sg.calls.map((c) => c.status)).toEqual([503, 503, 202]);
  });

  it('answers a scripted 429 with Retry-After', async () => {
    sg.control.failNext(1, 429, { retryAfterSeconds: 3 });
    const res = await send(mail);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toEqual({ errors: [{ message: 'too many requests', field: null, help: null }] });
  });

  it('holds responses for the configured latency', async () => {
    sg.control.setLatency({ fixedMs: 150 });
    const started = Date.now();
    expect((await send(mail)).status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('is programmable over HTTP from another process', async () => {
    const set = await fetch(`${sg.url}/__control`, {
      method: 'POST',
      body: JSON.stringify({ failNext: 1, status: 400 }),
    });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ failNext: 1, status: 400 });
    expect((await send(mail)).status).toBe(400);
    expect((await send(mail)).status).toBe(202);

    const received = (await (await fetch(`${sg.url}/__received`)).json()) as SendGridReceived[];
    expect(received.map((r) => r.to)).toEqual([['ada@example.com']]);
    expect((await fetch(`${sg.url}/__received`, { method: 'DELETE' })).status).toBe(204);
    expect(sg.received).toHaveLength(0);

    const bad = await fetch(`${sg.url}/__control`, {
      method: 'POST',
      body: JSON.stringify({ failureRate5xx: 3, bogus: 1 }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ problems: ['unknown field bogus'] });
  });

  it('answers unknown routes with 404', async () => {
    const res = await fetch(`${sg.url}/v3/nope`, { method: 'POST' });
    expect(res.status).toBe(404);
  });
});
