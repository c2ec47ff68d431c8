import type { Logger } from '@notify/runtime';
import { INBOX_CHANNEL_PATTERN } from '@notify/stores';
import type { Redis } from 'ioredis';

/**
 * The replica's one pattern subscription to every user's inbox channel: whatever any sender or replica
 * publishes reaches the sockets open here. Messages published while the subscription was down are not
 * replayed (pub/sub keeps nothing), so after a reconnect `onResubscribed` lets clients resync from the inbox.
 */
export class InboxFanout {
  private subscribed = false;

  constructor(
    private readonly subscriber: Redis,
    private readonly handlers: { onMessage: (channel: string, payload: string) => void; onResubscribed: () => void },
    private readonly logger: Logger,
  ) {}

  get isSubscribed(): boolean {
    return this.subscribed && this.subscriber.status === 'ready';
  }

  async start(): Promise<void> {
    this.subscriber.on('pmessage', (_pattern: string, channel: string, payload: string) => this.handlers.onMessage(channel, payload));
    this.subscriber.on('close', () => {
      if (this.subscribed) this.logger.warn('inbox subscription lost; reconnecting');
    });
    // ioredis re-subscribes by itself after a reconnect, then emits ready again.
    this.subscriber.on('ready', () => {
      if (!this.subscribed) return;
      this.logger.info('inbox subscription restored');
      this.handlers.onResubscribed();
    });
    // Subscribing while the connection's handshake is still running lets its ready check (INFO) reach a
    // connection already in subscriber mode, which Redis refuses (ioredis #2037): subscribe once ready.
    if (this.subscriber.status !== 'ready') await new Promise<void>((resolve) => this.subscriber.once('ready', () => resolve()));
    await this.subscriber.psubscribe(INBOX_CHANNEL_PATTERN);
    this.subscribed = true;
  }

  async close(): Promise<void> {
    this.subscribed = false;
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
