import nodemailer, { type Transporter } from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpServer, type SmtpServerHandle } from './smtp-server.js';

const auth = { user: 'mailer', pass: 's3cret' };
let smtp: SmtpServerHandle;

function transport(credentials: { user: string; pass: string } | null = auth): Transporter {
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: false,
    ignoreTLS: true,
    ...(credentials ? { auth: credentials } : {}),
  });
}

const message = {
  from: 'Notify <noreply@notify.example>',
  to: 'ada@example.com',
  subject: 'Your code',
  text: 'Code: 1234',
  html: '<p>Code: 1234</p>',
  messageId: '<n-1.email@notify.example>',
};

beforeAll(async () => {
  smtp = await startSmtpServer({ port: 0, auth, controlPort: 0 });
});
afterAll(() => smtp.stop());
beforeEach(() => {
  smtp.control.reset();
  smtp.clearReceived();
});

describe('SMTP server', () => {
  it('records the parsed message', async () => {
    const info = await transport().sendMail(message);
    expect(info.accepted).toEqual(['ada@example.com']);
    expect(smtp.received).toEqual([
      expect.objectContaining({
        from: 'noreply@notify.example',
        to: ['ada@example.com'],
        subject: 'Your code',
        text: 'Code: 1234',
        html: '<p>Code: 1234</p>',
        messageId: '<n-1.email@notify.example>',
        envelope: { from: 'noreply@notify.example', to: ['ada@example.com'] },
        user: 'mailer',
      }),
    ]);
  });

  it('refuses wrong credentials with 535 and a missing AUTH with 530', async () => {
    await expect(transport({ user: 'mailer', pass: 'nope' }).sendMail(message)).rejects.toMatchObject({
      responseCode: 535,
    });
    await expect(transport(null).sendMail(message)).rejects.toMatchObject({ responseCode: 530 });
    expect(smtp.received).toHaveLength(0);
  });

  it('fails scripted messages with the given SMTP reply code', async () => {
    smtp.control.failNext(1, 451).failNext(1, 451);
    await expect(transport().sendMail(message)).rejects.toMatchObject({ responseCode: 451 });
    smtp.control.failNext(1, 550);
    await expect(transport().sendMail(message)).rejects.toMatchObject({ responseCode: 550 });
    await transport().sendMail(message);
    expect(smtp.received).toHaveLength(1);
  });

  it('is programmable and readable over its HTTP control port', async () => {
    expect(smtp.controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await fetch(`${smtp.controlUrl}/__control`, {
      method: 'POST',
      body: JSON.stringify({ failNext: 1, status: 421 }),
    });
    await expect(transport().sendMail(message)).rejects.toMatchObject({ responseCode: 421 });
    await transport().sendMail(message);
    const received = (await (await fetch(`${smtp.controlUrl}/__received`)).json()) as Array<{
      subject: string;
    }>;
    expect(received.map((r) => r.subject)).toEqual(['Your code']);
  });

  it('works without AUTH when none is configured', async () => {
    const open = await startSmtpServer({ port: 0 });
    try {
      await nodemailer
        .createTransport({ host: open.host, port: open.port, secure: false, ignoreTLS: true })
        .sendMail(message);
      expect(open.received).toHaveLength(1);
      expect(open.url).toBe(`smtp://127.0.0.1:${open.port}`);
    } finally {
      await open.stop();
    }
  });
});
