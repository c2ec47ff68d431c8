/** What the registry needs of a socket (a `ws` WebSocket has it). */
export interface RegisteredSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  terminate(): void;
}

const OPEN = 1;

export interface DeliveryCount {
  sent: number;
  /** Sockets terminated because their unsent backlog passed the limit; their clients resync from the inbox. */
  dropped: number;
}

/** This replica's open sockets, by the user's inbox channel (several per user: tabs, devices). */
export class SocketRegistry<S extends RegisteredSocket> {
  private readonly byChannel = new Map<string, Set<S>>();
  private count = 0;

  constructor(private readonly maxBufferedBytes: number) {}

  get size(): number {
    return this.count;
  }

  add(channel: string, socket: S): void {
    let sockets = this.byChannel.get(channel);
    if (!sockets) this.byChannel.set(channel, (sockets = new Set()));
    if (!sockets.has(socket)) {
      sockets.add(socket);
      this.count++;
    }
  }

  remove(channel: string, socket: S): void {
    const sockets = this.byChannel.get(channel);
    if (!sockets?.delete(socket)) return;
    this.count--;
    if (sockets.size === 0) this.byChannel.delete(channel);
  }

  /** Sends to every open socket of the channel; a socket too far behind is terminated instead. */
  deliver(channel: string, payload: string): DeliveryCount {
    const result: DeliveryCount = { sent: 0, dropped: 0 };
    for (const socket of this.byChannel.get(channel) ?? []) {
      if (socket.readyState !== OPEN) continue;
      if (socket.bufferedAmount > this.maxBufferedBytes) {
        socket.terminate();
        result.dropped++;
        continue;
      }
      socket.send(payload);
      result.sent++;
    }
    return result;
  }

  *all(): Iterable<S> {
    for (const sockets of this.byChannel.values()) yield* sockets;
  }
}
