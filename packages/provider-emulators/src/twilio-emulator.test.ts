import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from './emulator-handle.js';
import {
  DEFAULT_TWILIO_ACCOUNT_SID as SID,
  DEFAULT_TWILIO_AUTH_TOKEN as TOKEN,
  startTwilioEmulator,
  type TwilioReceived,
} from './twilio-emulator.js';

let tw: EmulatorHandle<TwilioReceived>;

function create(params: Record<string, string>, auth = `${SID}:${TOKEN}`, sid = SID): Promise<Response> {
  return fetch(`${tw.url}/2010-04-01/Accounts/${sid}/Messages.json`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(auth).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(params).toString(),
  });
}

beforeAll(async () => {
  tw = await startTwilioEmulator({ port: 0 });
});
afterAll(() => tw.stop());
beforeEach(() => {
  tw.control.reset();
  tw.clearReceived();
});

describe('Twilio emulator', () => {
  it('creates a message with 201 and a Twilio-shaped resource', async () => {
    const res = await create({ To: '+15558675310', From: '+15017122661', Body: 'Your code is 1234' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      account_sid: SID,
      status: 'queued',
      to: '+15558675310',
      from: '+15017122661',
      body: 'Your code is 1234',
      direction: 'outbound-api',
      num_segments: '1',
      error_code: null,
    });
    expect(body.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(body.date_created).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    expect(tw.received).toEqual([
      expect.objectContaining({ sid: body.sid, to: '+15558675310', body: 'Your code is 1234' }),
    ]);
  });

  it('accepts a MessagingServiceSid instead of From', async () => {
    const res = await create({ To: '+15558675310', MessagingServiceSid: `MG${'a'.repeat(32)}`, Body: 'hi' });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ status: 'accepted', from: null });
  });

  it('answers 401 code 20003 for bad credentials', async () => {
    const res = await create({ To: '+15558675310', From: '+15017122661', Body: 'x' }, `${SID}:wrong`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
    expect(
      (
        await create(
          { To: '+15558675310', From: '+15017122661', Body: 'x' },
          `${SID}:${TOKEN}`,
          `AC${'f'.repeat(32)}`,
        )
      ).status,
    ).toBe(401);
  });

  it('checks To, From and Body like the real API', async () => {
    const code = async (params: Record<string, string>): Promise<unknown> =>
      ((await (await create(params)).json()) as { code: number }).code;
    expect(await code({ To: '555-1234', From: '+15017122661', Body: 'x' })).toBe(21211);
    expect(await code({ To: '+15558675310', From: '+15017122661' })).toBe(21602);
    expect(await code({ From: '+15017122661', Body: 'x' })).toBe(21604);
    expect(await code({ To: '+15558675310', Body: 'x' })).toBe(21603);
    expect(await code({ To: '+15558675310', From: '+15017122661', Body: 'x'.repeat(1601) })).toBe(21617);
    expect(tw.received).toHaveLength(0);
  });

  it('answers scripted failures with Twilio error bodies', async () => {
    tw.control.failNext(1, 429, { retryAfterSeconds: 2 });
    const limited = await create({ To: '+15558675310', From: '+15017122661', Body: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(await limited.json()).toMatchObject({ code: 20429, status: 429 });

    tw.control.failNext(1, 503);
    const down = await create({ To: '+15558675310', From: '+15017122661', Body: 'x' });
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ code: 20503 });
  });

  it('counts segments for long and non-GSM bodies', async () => {
    const long = await create({ To: '+15558675310', From: '+15017122661', Body: 'x'.repeat(161) });
    expect(await long.json()).toMatchObject({ num_segments: '2' });
    const unicode = await create({ To: '+15558675310', From: '+15017122661', Body: '✓'.repeat(71) });
    expect(await unicode.json()).toMatchObject({ num_segments: '2' });
  });
});
