import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMotoServer, type MotoServerHandle } from './moto-server.js';

let moto: MotoServerHandle;

/** moto routes by the SigV4 Authorization header's scope; it checks the signature only under enforceAuth. */
const publishSms = (phoneNumber: string, message: string) =>
  fetch(moto.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({
      Action: 'Publish',
      Version: '2010-03-31',
      PhoneNumber: phoneNumber,
      Message: message,
    }),
  });

// The first run provisions moto from PyPI.
beforeAll(async () => {
  moto = await startMotoServer();
}, 180_000);
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
});

describe('startMotoServer', () => {
  it('listens on the port it picked and keeps what SNS accepted', async () => {
    expect(moto.url).toBe(`http://127.0.0.1:${moto.port}`);
    expect((await publishSms('+15558675310', 'hello')).status).toBe(200);
    expect(await moto.sentSms()).toEqual([
      { messageId: expect.any(String), phoneNumber: '+15558675310', message: 'hello' },
    ]);
    expect(await moto.sentEmails()).toEqual([]);
  });

  it('records each AWS request as sent, and forgets them on reset', async () => {
    await publishSms('+15558675310', 'hello');
    const [request, ...others] = await moto.requests();
    expect(others).toEqual([]);
    expect(request).toMatchObject({ method: 'POST', path: '/' });
    expect(new URLSearchParams(request!.body).get('PhoneNumber')).toBe('+15558675310');
    await moto.reset();
    expect(await moto.requests()).toEqual([]);
    expect(await moto.sentSms()).toEqual([]);
  });

  it('verifies a sender identity per region, which SES then accepts mail from', async () => {
    const sendEmail = (region: string) =>
      fetch(moto.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/${region}/ses/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: new URLSearchParams({
          Action: 'SendEmail',
          Version: '2010-12-01',
          Source: 'sender@example.com',
          'Destination.ToAddresses.member.1': 'to@example.com',
          'Message.Subject.Data': 'hi',
          'Message.Body.Text.Data': 'hello',
        }),
      });
    expect((await sendEmail('eu-west-1')).status).toBe(400); // not verified yet
    await moto.verifyEmailIdentity('sender@example.com', 'eu-west-1');
    expect((await sendEmail('eu-west-1')).status).toBe(200);
    expect((await sendEmail('us-east-1')).status).toBe(400); // identities are per region
    expect((await moto.sentEmails()).map((m) => m.to)).toEqual([['to@example.com']]);
  });

  it('refuses unknown access keys while auth is enforced', async () => {
    await moto.enforceAuth(true);
    try {
      const res = await publishSms('+15558675310', 'hello');
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('InvalidClientTokenId');
    } finally {
      await moto.enforceAuth(false);
    }
    expect((await publishSms('+15558675310', 'hello')).status).toBe(200);
  });

  it('frees its port on stop', async () => {
    const other = await startMotoServer();
    await other.stop();
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(other.port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });

  it('says why when the executable cannot run', async () => {
    await expect(startMotoServer({ bin: '/nonexistent/moto_server' })).rejects.toThrow(/ENOENT/);
  });
});
