import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { HttpError } from '@notify/http';
import type { Logger } from '@notify/runtime';
import { inboxChannel, type InboxRepository } from '@notify/stores';
import { WebSocket, WebSocketServer } from 'ws';
import { parseSocketRequest } from './domain/socket-request.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { actingUser, authenticate, type InboxAuthDependencies, type InboxPrincipal } from './inbox-auth.js';
import { SocketRegistry } from './socket-registry.js';

export interface SocketGatewayOptions extends Pick<InboxAuthDependencies, 'keys' | 'userTokenKeys'> {
  inbox: Pick<InboxRepository, 'unreadCount'>;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Ping interval; a socket that has not answered the previous ping by the next one is closed. */
  heartbeatMs: number;
  /** Unsent bytes a socket may hold before it is dropped as a slow consumer. */
  maxBufferedBytes: number;
}

const MAX_CLIENT_MESSAGE_BYTES = 4 * 1024; // clients only send small control messages
const CLOSE_GRACE_MS = 2_000; // for clients to answer the close handshake at shutdown
const GOING_AWAY = 1001;

/**
 * In-app WebSockets: authenticates the upgrade by an end user's token (`?token=`; tenant and user come
 * from the token, and a `userId` naming someone else is refused with 403) or by a tenant API key (with
 * `?userId=`), keeps the replica's sockets by user, pushes each user's messages to them, and pings to
 * find dead ones. A token is checked when the socket opens; an open socket is not closed when it expires.
 *
 * Server → client: `{type:'ready', userId, unread}` once connected, then what is published on the
 * user's channel (`{type:'notification', notification}`, `{type:'read', ...}`), and `{type:'resync'}`
 * when messages may have been missed. Client → server: `{type:'ping'}` is answered with `{type:'pong'}`.
 */
export class SocketGateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES, clientTracking: false });
  private readonly registry: SocketRegistry<WebSocket>;
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private heartbeat?: NodeJS.Timeout;
  private closing = false;

  constructor(private readonly options: SocketGatewayOptions) {
    this.registry = new SocketRegistry<WebSocket>(options.maxBufferedBytes);
  }

  get openSockets(): number {
    return this.registry.size;
  }

  start(): void {
    this.heartbeat = setInterval(() => this.checkHeartbeats(), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** For the HTTP server's `upgrade` event. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { logger, metrics } = this.options;
    socket.on('error', () => socket.destroy());
    if (this.closing) return this.refuse(socket, 503, 'UNAVAILABLE', 'server shutting down');
    const request = parseSocketRequest(req.url ?? '/', { authorization: req.headers.authorization, 'x-api-key': req.headers['x-api-key'] });
    if (request.kind === 'refused') return this.refuse(socket, request.status, request.code, request.message);
    let principal: InboxPrincipal;
    let userId: string;
    try {
      principal = await authenticate(request.credential, this.options);
      userId = actingUser(principal, request.userId);
    } catch (err) {
      if (err instanceof HttpError) return this.refuse(socket, err.status, err.code, err.message);
      logger.warn({ err }, 'credential check failed');
      return this.refuse(socket, 503, 'DEPENDENCY_UNAVAILABLE', 'cannot verify credentials right now');
    }
    const { tenantId } = principal;
    if (this.closing || socket.destroyed) return this.refuse(socket, 503, 'UNAVAILABLE', 'server shutting down');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      metrics.connections.inc({ outcome: 'accepted' });
      this.onConnection(ws, tenantId, userId);
    });
  }

  /** A message published on a user's channel, to that user's sockets here. */
  deliver(channel: string, payload: string): void {
    const { sent, dropped } = this.registry.deliver(channel, payload);
    if (sent) this.options.metrics.messages.inc({ outcome: 'sent' }, sent);
    if (dropped) {
      this.options.metrics.messages.inc({ outcome: 'dropped' }, dropped);
      this.options.metrics.closed.inc({ reason: 'slow' }, dropped);
      this.options.logger.warn({ channel, dropped }, 'slow consumers dropped');
    }
  }

  /** Tells every client to re-read its inbox (messages may have been published while we could not hear). */
  resyncAll(): void {
    const payload = JSON.stringify({ type: 'resync' });
    for (const ws of this.registry.all()) if (ws.readyState === WebSocket.OPEN) ws.send(payload);
  }

  /** Stops accepting, closes every socket with 1001 (going away), and waits briefly for the handshakes. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    const sockets = [...this.registry.all()];
    const closed = sockets.map((ws) => new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve()))));
    for (const ws of sockets) {
      this.options.metrics.closed.inc({ reason: 'shutdown' });
      ws.close(GOING_AWAY, 'server shutting down');
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
    for (const ws of sockets) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, tenantId: string, userId: string): void {
    const { logger, metrics } = this.options;
    const channel = inboxChannel(tenantId, userId);
    const log = logger.child({ tenantId, userId });
    this.registry.add(channel, ws);
    metrics.sockets.set(this.registry.size);
    this.alive.set(ws, true);
    ws.on('pong', () => this.alive.set(ws, true));
    ws.on('message', (data, isBinary) => {
      this.alive.set(ws, true);
      if (!isBinary && parseType(data.toString()) === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
    });
    ws.on('error', (err) => log.debug({ err }, 'socket error'));
    ws.on('close', (code) => {
      this.registry.remove(channel, ws);
      metrics.sockets.set(this.registry.size);
      if (!this.closing && code !== 1006) metrics.closed.inc({ reason: 'client' });
      log.debug({ code }, 'socket closed');
    });
    log.debug('socket opened');
    void this.options.inbox
      .unreadCount(tenantId, userId)
      .catch((err: unknown) => {
        log.warn({ err }, 'unread count failed');
        return null;
      })
      .then((unread) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'ready', userId, unread }));
      });
  }

  private checkHeartbeats(): void {
    for (const ws of this.registry.all()) {
      if (this.alive.get(ws) === false) {
        this.options.metrics.closed.inc({ reason: 'dead' });
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }

  private refuse(socket: Duplex, status: number, code: string, message: string): void {
    this.options.metrics.connections.inc({ outcome: String(status) });
    if (socket.destroyed) return;
    const body = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        'Connection: close\r\nContent-Type: application/json\r\n' +
        (status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '') +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
}

function parseType(text: string): unknown {
  try {
    return (JSON.parse(text) as { type?: unknown })?.type;
  } catch {
    return undefined;
  }
}
