// The demo: the whole pipeline on this machine, a handful of notifications through REST and Kafka, and
// where each one landed: timelines, the SMTP outbox, the in-app inbox, the provider emulators.
import { Topics, type NotificationRequest } from '@notify/schemas';
import { AvroSerde, Headers, retryStep } from '@notify/runtime';
import { fakeFcmToken } from '@notify/provider-emulators';
import { ApiKeyRepository, TenantRepository } from '@notify/stores';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import path from 'node:path';
import { WebSocket } from 'ws';
import { launchPipeline, type StackEndpoints } from '../pipeline/launch.js';
import { REPO_ROOT } from '../pipeline/service-process.js';

const stack: StackEndpoints = {
  KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
  SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL!,
  MONGODB_URI: process.env.MONGODB_URI!,
  REDIS_URL: process.env.REDIS_URL!,
};
const keep = process.argv.includes('--keep');
interface TimelineEvent {
  status: string;
  stage: string;
  channel: string | null;
  provider: string | null;
  reason: string | null;
  occurredAt: string;
  attributes?: Record<string, string>;
}
const say = (s = '') => process.stdout.write(`${s}\n`);
const TERMINAL = new Set(['SENT', 'DELIVERED', 'SUPPRESSED', 'FAILED', 'DEAD_LETTERED', 'BOUNCED', 'DIGESTED']);

const logDir = path.join(REPO_ROOT, '.stack', 'demo-logs');
say('Starting every service (ingest, enrichment, preference-filter, scheduler, channel-router, six senders, status-tracker, inapp-gateway)...');
const pipeline = await launchPipeline({
  stack,
  logDir,
  lockTimeoutMs: 5_000,
  serviceEnv: {
    // Email goes out over SMTP in the demo so it lands in a local outbox; SendGrid is the fallback.
    'channel-router': { ROUTING_CONFIG: JSON.stringify({ channels: { EMAIL: { provider: 'smtp', fallbackProviders: ['sendgrid'] } } }) },
  },
});
say(`All services ready. Logs: ${path.relative(process.cwd(), logDir)}/`);

const mongo = new MongoClient(stack.MONGODB_URI);
await mongo.connect();
const db = mongo.db();
const tenant = 'demo';
await new TenantRepository(db).upsert({ tenantId: tenant, name: 'Demo Inc.', defaultLocale: 'en' });
const { key } = await new ApiKeyRepository(db).create({ tenantId: tenant, scopes: ['admin'] });

async function api(method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${pipeline.ingestUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (res.status >= 400) throw new Error(`${method} ${route} → ${res.status} ${JSON.stringify(json)}`);
  return json!;
}

const pushToken = fakeFcmToken();
await api('PUT', '/v1/recipients/ada', { email: 'ada@example.com', phone: '+15005550100', locale: 'en-GB', timezone: 'Europe/London' });
await api('PUT', '/v1/recipients/grace', { email: 'grace@example.com', deviceTokens: [pushToken], locale: 'fr-FR', timezone: 'Europe/Paris' });
await api('PUT', '/v1/recipients/linus', { email: 'linus@example.com', locale: 'en', timezone: 'UTC' });
await api('PUT', '/v1/recipients/linus/preferences', { categories: { marketing: { EMAIL: false } } });
for (const t of [
  { channel: 'EMAIL', locale: 'en', subject: 'Welcome, {{name}}!', body: 'Hello {{name}}, your account is ready.', html: '<h1>Hello {{name}}</h1><p>Your account is ready.</p>' },
  { channel: 'EMAIL', locale: 'fr', subject: 'Bienvenue, {{name}} !', body: 'Bonjour {{name}}, votre compte est prêt.' },
  { channel: 'SMS', locale: 'en', body: 'Hi {{name}}, your account is ready.' },
  { channel: 'PUSH', locale: 'en', subject: 'Welcome', body: 'Hi {{name}} 👋' },
  { channel: 'IN_APP', locale: 'en', subject: 'Welcome aboard', body: 'Hello {{name}}, have a look around.' },
]) {
  await api('POST', '/v1/templates/welcome/versions', t);
}
await api('POST', '/v1/templates/comments/versions', {
  channel: 'EMAIL',
  locale: 'en',
  subject: '{{digest.count}} new comments on your post',
  body: '{{#each digest.items}}{{author}}: {{text}}\n{{/each}}{{#if digest.more}}and {{digest.more}} more{{/if}}',
});
await api('POST', '/v1/templates/release/versions', { channel: 'IN_APP', locale: 'en', subject: 'Release {{version}}', body: 'Version {{version}} is out.' });
say('Tenant "demo" with recipients ada, grace, linus, a "welcome" template (email en/fr, SMS, push, in-app),');
say('a "comments" digest template (email) and a "release" template (in-app).');

const sent: Array<{ label: string; ids: string[] }> = [];
const rest = async (label: string, body: Record<string, unknown>) => {
  const res = await api('POST', '/v1/notifications', { templateId: 'welcome', category: 'account', ...body }, { 'idempotency-key': `demo-${label}-${Date.now()}` });
  sent.push({ label, ids: res.notificationIds as string[] });
};
await rest('ada: email + SMS (REST)', { recipients: ['ada'], channels: ['EMAIL', 'SMS'], data: { name: 'Ada' } });
await rest('grace: email in French + push + in-app (REST)', { recipients: ['grace'], channels: ['EMAIL', 'PUSH', 'IN_APP'], data: { name: 'Grace' } });
await rest('linus: marketing email, opted out (REST)', { recipients: ['linus'], channels: ['EMAIL'], category: 'marketing', data: { name: 'Linus' } });
await rest('ada: scheduled 5 s from now (REST)', { recipients: ['ada'], channels: ['EMAIL'], data: { name: 'Ada' }, scheduledFor: new Date(Date.now() + 5000).toISOString() });

// A digest: three comments for ada inside one 4-second window become one email.
const digestItems: string[] = [];
for (const [author, text] of [['grace', 'Lovely!'], ['linus', 'Ship it.'], ['grace', 'One more thing…']] as const) {
  const res = await api(
    'POST',
    '/v1/notifications',
    { recipients: ['ada'], templateId: 'comments', category: 'social', channels: ['EMAIL'], data: { author, text }, digest: { key: 'comments:post-42', windowMs: 4000 } },
    { 'idempotency-key': `demo-comment-${author}-${Date.now()}` },
  );
  digestItems.push(...(res.notificationIds as string[]));
}
sent.push({ label: 'ada: comment, digested (REST)', ids: digestItems });

// A broadcast: everyone subscribed to release-notes, and ada named directly too, gets one in-app message.
await api('PUT', '/v1/topics/release-notes/subscribers', { userIds: ['ada', 'grace', 'linus'] });
const broadcast = await api(
  'POST',
  '/v1/notifications',
  { topics: ['release-notes'], recipients: ['ada'], templateId: 'release', category: 'product', channels: ['IN_APP'], data: { version: '7.2' } },
  { 'idempotency-key': `demo-release-${Date.now()}` },
);
sent.push({ label: 'ada: release notes, named directly and subscribed (REST broadcast)', ids: broadcast.notificationIds as string[] });

const kafka = new Kafka({ clientId: 'demo', brokers: stack.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
const serde = new AvroSerde({ url: stack.SCHEMA_REGISTRY_URL });
await retryStep('register schemas', () => serde.prepareOutputs([Topics.requests], true));
const request: NotificationRequest = {
  tenantId: tenant,
  idempotencyKey: `demo-kafka-${Date.now()}`,
  recipients: ['ada', 'linus'],
  templateId: 'welcome',
  category: 'account',
  channels: ['IN_APP'],
  priority: 'NORMAL',
  data: { name: 'team' },
  scheduledFor: null,
  expiresAt: null,
  requestedAt: Date.now(),
  topics: [],
  digest: null,
};
const producer = kafka.producer();
await producer.connect();
await producer.send({ topic: Topics.requests.name, messages: [{ key: Topics.requests.keyOf(request), value: serde.encode(Topics.requests, request), headers: { [Headers.REQUESTED_AT]: String(Date.now()) } }] });
await producer.disconnect();
say('Sent 4 requests over REST, 3 comments digested for ada, a broadcast to the release-notes topic');
say('(ada, grace, linus; ada also named directly), and 1 request over Kafka (notify.requests.v1, fanned out to ada and linus).');

// Wait until every notification has a terminal event per channel it was routed to (or a final one).
const deadline = Date.now() + 120_000; // two minutes
const timelines = new Map<string, TimelineEvent[]>();
const kafkaIds = async () =>
  (await db.collection('notification_events').distinct('notificationId', { tenantId: tenant, 'attributes.source': 'KAFKA' })) as string[];
const digestIds = new Set<string>();
const broadcastIds = async () => {
  const ids: string[] = [];
  for (const user of ['grace', 'linus']) {
    const res = await fetch(`${pipeline.gatewayUrl}/v1/inbox/${user}`, { headers: { authorization: `Bearer ${key}` } });
    const items = ((await res.json()) as { items: Array<{ id: string; title: string | null }> }).items;
    ids.push(...items.filter((i) => i.title?.startsWith('Release')).map((i) => i.id));
  }
  return ids;
};
/** A notification's timeline; empty while it is not recorded yet (a digest before its window closes). */
async function timelineOf(id: string): Promise<TimelineEvent[]> {
  const res = await fetch(`${pipeline.ingestUrl}/v1/notifications/${id}`, { headers: { authorization: `Bearer ${key}` } });
  if (res.status === 404) return [];
  if (res.status >= 400) throw new Error(`GET /v1/notifications/${id} → ${res.status} ${await res.text()}`);
  return ((await res.json()) as { timeline: TimelineEvent[] }).timeline;
}
// Finished timelines are not asked for again: the API's rate limit counts every poll.
const finished = new Set<string>();
for (;;) {
  const fromTopic = await broadcastIds();
  const ids = [...sent.flatMap((s) => s.ids), ...digestIds, ...fromTopic, ...(await kafkaIds())];
  let done = ids.length >= 13 && digestIds.size > 0 && fromTopic.length === 2;
  for (const id of ids.filter((i) => !finished.has(i))) {
    const t = await timelineOf(id);
    timelines.set(id, t);
    for (const e of t) if (e.status === 'DIGESTED' && e.attributes?.digestId) digestIds.add(e.attributes.digestId);
    const routed = t.filter((e) => e.status === 'ROUTED').length;
    const terminal = t.filter((e) => TERMINAL.has(e.status!)).length;
    if (terminal === 0 || terminal < routed) done = false;
    else finished.add(id);
  }
  if (done || Date.now() > deadline) break;
  await new Promise((r) => setTimeout(r, 1_000));
}
for (const id of timelines.keys()) timelines.set(id, await timelineOf(id)); // with what came after finishing

/** Where a digested item went, and what a digest holds. */
const linkOf = (e: TimelineEvent) =>
  e.attributes?.digestId ? `into digest ${e.attributes.digestId}` : e.attributes?.items ? `digest of ${e.attributes.items.split(',').length} items` : '';
say('\n== Timelines ==');
const labels = new Map(sent.flatMap((s) => s.ids.map((id) => [id, s.label] as const)));
for (const id of digestIds) labels.set(id, 'ada: the digest of the three comments');
for (const id of await broadcastIds()) labels.set(id, 'grace or linus: release notes, through the topic');
for (const [id, t] of timelines) {
  say(`\n${labels.get(id) ?? 'Kafka request (in-app)'}  [${id}]`);
  for (const e of t) {
    const where = [e.channel, e.provider].filter(Boolean).join(' via ');
    say(`  ${String(e.occurredAt).slice(11, 23)}  ${e.status!.padEnd(12)} ${e.stage!.padEnd(18)} ${where.padEnd(20)} ${[e.reason, linkOf(e)].filter(Boolean).join(' · ')}`);
  }
}

say('\n== SMTP outbox (local SMTP server) ==');
for (const m of pipeline.emulators.smtp.received) say(`  to ${m.to.join(', ')}: "${m.subject}"  ${m.messageId ?? ''}`);
say('\n== SMS (Twilio emulator) ==');
for (const m of pipeline.emulators.twilio.received) say(`  to ${m.to}: "${m.body}"  ${m.sid}`);
say('\n== Push (FCM emulator) ==');
for (const m of pipeline.emulators.fcm.received) say(`  token ${m.message.token?.slice(0, 12)}…: "${m.message.notification?.title}: ${m.message.notification?.body}"`);
say('\n== In-app inboxes (inapp-gateway REST) ==');
for (const user of ['ada', 'grace', 'linus']) {
  const res = await fetch(`${pipeline.gatewayUrl}/v1/inbox/${user}`, { headers: { authorization: `Bearer ${key}` } });
  const items = ((await res.json()) as { items: Array<{ title: string | null; body: string; readAt: string | null }> }).items;
  say(`  ${user}: ${items.length ? items.map((i) => `"${i.title}: ${i.body}"${i.readAt ? '' : ' (unread)'}`).join('; ') : '(empty)'}`);
}

say('\n== In-app from a browser: an end-user token, no API key ==');
// Server side (the tenant's backend, holding the API key): a short-lived token for one user.
const issued = await api('POST', '/v1/users/grace/tokens', { ttlSeconds: 900 });
const userToken = issued.token as string;
say(`  server  POST /v1/users/grace/tokens (API key)  → token for ${String(issued.userId)}, expires ${String(issued.expiresAt)}`);
// Browser side: only the token, in the WebSocket URL (browsers cannot set headers on a WebSocket)...
const socket = new WebSocket(`ws://${pipeline.gatewayUrl.slice(7)}/v1/inapp/ws?token=${encodeURIComponent(userToken)}`);
const received: Array<Record<string, unknown>> = [];
socket.on('message', (data) => received.push(JSON.parse(data.toString()) as Record<string, unknown>));
await new Promise<void>((resolve, reject) => {
  socket.once('open', () => resolve());
  socket.once('error', reject);
});
for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
say(`  browser WebSocket /v1/inapp/ws?token=…         → ${JSON.stringify(received[0] ?? null)}`);
// ...and as a bearer token on the inbox routes, for that user only.
const asGrace = (route: string, method = 'GET') => fetch(`${pipeline.gatewayUrl}${route}`, { method, headers: { authorization: `Bearer ${userToken}` } });
const graceInbox = (await (await asGrace('/v1/inbox/grace')).json()) as { items: Array<{ id: string; readAt: string | null }> };
say(`  browser GET /v1/inbox/grace (token)            → ${graceInbox.items.length} message(s)`);
const unread = graceInbox.items.find((i) => !i.readAt);
if (unread) {
  const read = await asGrace(`/v1/inbox/grace/${encodeURIComponent(unread.id)}/read`, 'POST');
  for (let i = 0; i < 50 && !received.some((m) => m.type === 'read'); i++) await new Promise((r) => setTimeout(r, 100));
  say(`  browser POST /v1/inbox/grace/<id>/read (token) → ${read.status}; the socket got ${JSON.stringify(received.find((m) => m.type === 'read') ?? null)}`);
}
const other = await asGrace('/v1/inbox/ada');
say(`  browser GET /v1/inbox/ada (grace's token)      → ${other.status} ${JSON.stringify(await other.json())}`);
const ingestWithToken = await fetch(`${pipeline.ingestUrl}/v1/notifications`, { method: 'POST', headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' }, body: '{}' });
say(`  browser POST /v1/notifications (token)         → ${ingestWithToken.status}: the token opens the inbox, not the API`);
socket.close();

if (keep) {
  say(`\nThe pipeline keeps running (Ctrl-C to stop it):`);
  say(`  REST API     ${pipeline.ingestUrl}/v1/notifications   (API key: ${key})`);
  say(`  OpenAPI      ${pipeline.ingestUrl}/v1/openapi.json`);
  say(`  User tokens  POST ${pipeline.ingestUrl}/v1/users/<userId>/tokens  (API key; for browsers and apps)`);
  say(`  In-app       ${pipeline.gatewayUrl}/v1/inbox/<userId>  and  ws://${pipeline.gatewayUrl.slice(7)}/v1/inapp/ws?token=<user token>`);
  for (const [name, p] of pipeline.processes) say(`  ${name.padEnd(18)} http://127.0.0.1:${p.adminPort}/metrics`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
}
await mongo.close();
await pipeline.stop();
say('\nServices stopped. The stack is still up: `npm run stack -- down` stops it.');
