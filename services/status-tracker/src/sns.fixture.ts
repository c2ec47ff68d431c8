// A stand-in for SNS in tests: an RSA key and a self-signed certificate for 127.0.0.1, served over HTTPS
// (the certificate is both the TLS one and the signing one), and messages signed the way SNS signs them.
import { execFileSync } from 'node:child_process';
import { createSign } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { snsStringToSign, type SnsMessage } from './domain/sns-message.js';

export const TEST_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:notify-ses-events';
export const CERT_PATH = '/SimpleNotificationService-0123456789abcdef.pem';
/** What the stand-in serves its certificate and subscription URLs from. */
export const LOCAL_HOST_PATTERN = /^127\.0\.0\.1:\d+$/;

export interface FakeSns {
  origin: string;
  certPem: string;
  /** The paths GET requests asked for, in order. */
  requests: string[];
  sign(fields: Omit<SnsMessage, 'Signature' | 'SignatureVersion' | 'SigningCertURL'>, version?: '1' | '2'): SnsMessage;
  close(): Promise<void>;
}

export function selfSignedCertificate(commonName = '127.0.0.1'): { keyPem: string; certPem: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-sns-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${commonName}`, '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
      { stdio: 'ignore' },
    );
    return { keyPem: fs.readFileSync(key, 'utf8'), certPem: fs.readFileSync(cert, 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function startFakeSns(): Promise<FakeSns> {
  const { keyPem, certPem } = selfSignedCertificate();
  const requests: string[] = [];
  const server = https.createServer({ key: keyPem, cert: certPem }, (req, res) => {
    requests.push(req.url ?? '');
    if (req.url === CERT_PATH) res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(certPem);
    else if (req.url?.startsWith('/confirm?')) res.writeHead(200, { 'content-type': 'text/xml' }).end('<ConfirmSubscriptionResponse/>');
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    certPem,
    requests,
    sign(fields, version = '2') {
      const message = { ...fields, SignatureVersion: version, SigningCertURL: `${origin}${CERT_PATH}`, Signature: '' } as SnsMessage;
      const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256').update(snsStringToSign(message), 'utf8').sign(keyPem, 'base64');
      return { ...message, Signature: signature };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
