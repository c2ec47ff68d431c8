import {
  CreateConfigurationSetCommand,
  CreateEmailIdentityCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { startMotoServer, type MotoServerHandle } from '@notify/provider-emulators';
import { ConfigError, ErrorCodes } from '@notify/runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { itMapsAwsTransportFailures } from './aws-transport.fixture.js';
import { dispatchFixture, expectProviderError } from './dispatch.fixture.js';
import { SesAdapter, type SesConfig } from './ses.js';

const region = 'us-east-1';
const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const ctx = { idempotencyKey: 'n-1:EMAIL', traceparent, timeoutMs: 5_000 };
const email = (overrides: Partial<Parameters<typeof dispatchFixture>[0]> = {}) =>
  dispatchFixture({ channel: 'EMAIL', provider: 'ses', to: 'ada@example.com', ...overrides });

let moto: MotoServerHandle;
let config: SesConfig;
let adapter: SesAdapter;

/** SES sends only from verified identities (moto verifies one as soon as it is created). */
async function verify(identity: string, inRegion = region): Promise<void> {
  const ses = new SESv2Client({ region: inRegion, endpoint: moto.url, credentials });
  await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: identity }));
  ses.destroy();
}

/** The SendEmail bodies moto received, as the SDK sent them. */
async function sendEmailRequests(): Promise<
  Array<{ body: Record<string, unknown>; headers: Record<string, string> }>
> {
  return (await moto.requests())
    .filter((r) => r.path === '/v2/email/outbound-emails')
    .map((r) => ({ body: JSON.parse(r.body) as Record<string, unknown>, headers: r.headers }));
}

// The first run provisions moto from PyPI.
beforeAll(async () => {
  moto = await startMotoServer();
}, 180_000);
afterAll(async () => {
  await adapter?.close();
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
  await verify('noreply@notify.example');
  const ses = new SESv2Client({ region, endpoint: moto.url, credentials });
  await ses.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'notify-events' }));
  ses.destroy();
  config = {
    region,
    endpoint: moto.url,
    ...credentials,
    from: 'Notify <noreply@notify.example>',
    configurationSet: 'notify-events',
    replyTo: 'help@notify.example',
  };
  adapter = new SesAdapter(config);
});

describe('SesAdapter', () => {
  it('sends the rendered email and returns the SES MessageId', async () => {
    const message = email();
    const result = await adapter.send(message, ctx);
    expect(await moto.sentEmails()).toEqual([
      {
        messageId: result.providerMessageId,
        source: 'Notify <noreply@notify.example>',
        to: ['ada@example.com'],
        cc: [],
        bcc: [],
        subject: 'Your sign-in code',
        body: '<p>Your code is <b>123456</b>.</p>',
      },
    ]);
    const [sent] = await sendEmailRequests();
    expect(sent?.body).toEqual({
      FromEmailAddress: 'Notify <noreply@notify.example>',
      Destination: { ToAddresses: ['ada@example.com'] },
      ReplyToAddresses: ['help@notify.example'],
      ConfigurationSetName: 'notify-events',
      Content: {
        Simple: {
          Subject: { Data: 'Your sign-in code', Charset: 'UTF-8' },
          Body: {
            Text: { Data: 'Your code is 123456.', Charset: 'UTF-8' },
            Html: { Data: '<p>Your code is <b>123456</b>.</p>', Charset: 'UTF-8' },
          },
          Headers: [
            { Name: 'X-Notify-Idempotency-Key', Value: 'n-1:EMAIL' },
            { Name: 'X-Notify-Notification-Id', Value: message.notificationId },
          ],
        },
      },
      EmailTags: [
        { Name: 'notification_id', Value: message.notificationId },
        { Name: 'tenant_id', Value: 'acme' },
        { Name: 'category', Value: 'security' },
      ],
    });
    expect(sent?.headers.traceparent).toBe(traceparent);
    expect(sent?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\/ses\/aws4_request, SignedHeaders=[^,]*traceparent/,
    );
  });

  it('sends a text-only email without a configuration set or reply-to when none is configured', async () => {
    const plain = new SesAdapter({
      region,
      endpoint: moto.url,
      ...credentials,
      from: 'noreply@notify.example',
    });
    await plain.send(email({ html: null, category: '', tenantId: 'acme corp/eu' }), ctx);
    const [sent] = await sendEmailRequests();
    expect(sent?.body).not.toHaveProperty('ConfigurationSetName');
    expect(sent?.body).not.toHaveProperty('ReplyToAddresses');
    expect(sent?.body).toMatchObject({
      Content: { Simple: { Body: { Text: { Data: 'Your code is 123456.' } } } },
      // Tag values keep to the characters SES allows.
      EmailTags: [{ Name: 'notification_id' }, { Name: 'tenant_id', Value: 'acme_corp_eu' }],
    });
    expect((sent?.body.Content as { Simple: { Body: object } }).Simple.Body).not.toHaveProperty('Html');
    expect((await moto.sentEmails())[0]).toMatchObject({
      source: 'noreply@notify.example',
      body: 'Your code is 123456.',
    });
    await plain.close();
  });

  it('treats an unverified sender as a permanent rejection', async () => {
    const unverified = new SesAdapter({ ...config, from: 'someone-else@notify.example' });
    const err = await expectProviderError(unverified.send(email(), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 400,
    });
    expect(err.message).toContain('MessageRejected');
    expect(err.details).toMatchObject({ awsError: 'MessageRejected' });
    expect(await moto.sentEmails()).toEqual([]);
    await unverified.close();
  });

  it('counts a verified identity only in its own region', async () => {
    await verify('noreply@notify.example', 'eu-west-1');
    const elsewhere = new SesAdapter({ ...config, region: 'ap-southeast-2' });
    await expectProviderError(elsewhere.send(email(), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 400,
    });
    await elsewhere.close();
  });

  it('treats an invalid recipient address as a permanent rejection', async () => {
    const err = await expectProviderError(adapter.send(email({ to: 'not-an-email' }), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
      status: 400,
    });
    expect(err.details).toMatchObject({ awsError: 'InvalidParameterValue' });
  });

  it('treats refused credentials as permanent, saying so', async () => {
    await moto.enforceAuth(true);
    try {
      const err = await expectProviderError(adapter.send(email(), ctx), {
        code: ErrorCodes.PROVIDER_REJECTED,
        canRetry: false,
        status: 403,
      });
      expect(err.message).toContain('ses refused the credentials or their permissions (403');
    } finally {
      await moto.enforceAuth(false);
    }
    expect(await moto.sentEmails()).toEqual([]);
  });

  it('uses the default credential chain when no keys are configured', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey);
    const chained = new SesAdapter({ region, endpoint: moto.url, from: 'noreply@notify.example' });
    try {
      await chained.send(email(), ctx);
    } finally {
      vi.unstubAllEnvs();
      await chained.close();
    }
    const [sent] = await sendEmailRequests();
    expect(sent?.headers.authorization).toContain(`Credential=${credentials.accessKeyId}/`);
  });

  itMapsAwsTransportFailures('SES', (endpoint) => new SesAdapter({ ...config, endpoint }), () => email(), ctx);

  it('refuses a dispatch for another channel without calling SES', async () => {
    await expectProviderError(adapter.send(dispatchFixture({ channel: 'SMS', to: '+15558675310' }), ctx), {
      code: ErrorCodes.PROVIDER_REJECTED,
      canRetry: false,
    });
    expect(await sendEmailRequests()).toEqual([]);
  });

  it('needs both static keys or neither', () => {
    expect(() => new SesAdapter({ ...config, secretAccessKey: undefined })).toThrow(ConfigError);
  });
});
