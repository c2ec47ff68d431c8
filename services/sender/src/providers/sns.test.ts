import { startMotoServer, type MotoServerHandle } from '@notify/provider-emulators';
import { ErrorCodes } from '@notify/runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { itMapsAwsTransportFailures } from './aws-transport.fixture.js';
import { dispatchFixture, expectProviderError } from './dispatch.fixture.js';
import { SnsAdapter, type SnsConfig } from './sns.js';

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const ctx = { idempotencyKey: 'n-1:SMS', traceparent, timeoutMs: 5_000 };
const sms = (to = '+15558675310') =>
  dispatchFixture({ channel: 'SMS', provider: 'sns', to, subject: null, html: null });

let moto: MotoServerHandle;
let config: SnsConfig;
let adapter: SnsAdapter;

/** The Publish calls moto received, as the SDK sent them (awsQuery: form-encoded). */
async function publishRequests(): Promise<
  Array<{ params: URLSearchParams; headers: Record<string, string> }>
> {
  return (await moto.requests())
    .map((r) => ({ params: new URLSearchParams(r.body), headers: r.headers }))
    .filter((r) => r.params.get('Action') === 'Publish');
}

/** `MessageAttributes.entry.N.*` back to name → {DataType, StringValue}. */
function attributesOf(params: URLSearchParams): Record<string, { DataType: string; StringValue: string }> {
  const out: Record<string, { DataType: string; StringValue: string }> = {};
  for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n++) {
    out[params.get(`MessageAttributes.entry.${n}.Name`)!] = {
      DataType: params.get(`MessageAttributes.entry.${n}.Value.DataType`)!,
      StringValue: params.get(`MessageAttributes.entry.${n}.Value.StringValue`)!,
    };
  }
  return out;
}

// The first run provisions moto from PyPI.
beforeAll(async () => {
  moto = await startMotoServer();
  config = {
    region: 'eu-west-1',
    endpoint: moto.url,
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  };
  adapter = new SnsAdapter(config);
}, 180_000);
afterAll(async () => {
  await adapter?.close();
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
});

describe('SnsAdapter', () => {
  it('publishes the text to the phone number as a transactional SMS and returns the MessageId', async () => {
    const result = await adapter.send(sms(), ctx);
    expect(await moto.sentSms()).toEqual([
      { messageId: result.providerMessageId, phoneNumber: '+15558675310', message: 'Your code is 123456.' },
    ]);
    const [publish] = await publishRequests();
    expect(attributesOf(publish!.params)).toEqual({
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
    });
    expect(publish?.headers.traceparent).toBe(traceparent);
    expect(publish?.headers.authorization).toMatch(
      /\/eu-west-1\/sns\/aws4_request, SignedHeaders=[^,]*traceparent/,
    );
  });

  it('sends the configured SMS type, sender id and price ceiling', async () => {
    const promotional = new SnsAdapter({
      ...config,
      smsType: 'Promotional',
      senderId: 'Notify',
      maxPrice: '0.50',
    });
    await promotional.send(sms(), ctx);
    const [publish] = await publishRequests();
    expect(attributesOf(publish!.params)).toEqual({
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Promotional' },
      'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'Notify' },
      'AWS.SNS.SMS.MaxPrice': { DataType: 'Number', StringValue: '0.50' },
    });
    expect(await moto.sentSms()).toHaveLength(1);
    await promotional.close();
  });

  it('classifies a number not in E.164 (InvalidParameter) as a permanent rejection', async () => {
    const err = await expectProviderError(adapter.send(sms('555-1234'), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 400,
    });
    expect(err.details).toMatchObject({ awsError: 'InvalidParameterException' });
    expect(err.message).toContain('E164');
    expect(await moto.sentSms()).toEqual([]);
  });

  it('classifies a price SNS cannot read as a permanent rejection', async () => {
    const badPrice = new SnsAdapter({ ...config, maxPrice: 'cheap' });
    await expectProviderError(badPrice.send(sms(), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 400,
    });
    await badPrice.close();
  });

  it('treats refused credentials as permanent, saying so', async () => {
    await moto.enforceAuth(true);
    try {
      const err = await expectProviderError(adapter.send(sms(), ctx), {
        code: ErrorCodes.PROVIDER_REJECTED,
        canRetry: false,
        status: 403,
      });
      expect(err.message).toContain(
        'sns refused the credentials or their permissions (403 InvalidClientTokenId)',
      );
    } finally {
      await moto.enforceAuth(false);
    }
    expect(await moto.sentSms()).toEqual([]);
  });

  itMapsAwsTransportFailures('SNS', (endpoint) => new SnsAdapter({ ...config, endpoint }), () => sms(), ctx);

  it('refuses a dispatch for another channel without calling SNS', async () => {
    await expectProviderError(
      adapter.send(dispatchFixture({ channel: 'EMAIL', to: 'ada@example.com' }), ctx),
      {
        code: ErrorCodes.PROVIDER_REJECTED,
        canRetry: false,
      },
    );
    expect(await publishRequests()).toEqual([]);
  });
});
