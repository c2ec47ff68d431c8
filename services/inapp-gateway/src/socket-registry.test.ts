import { describe, expect, it } from 'vitest';
import { SocketRegistry, type RegisteredSocket } from './socket-registry.js';

class RecordingSocket implements RegisteredSocket {
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  terminated = false;
  send(data: string) {
    this.sent.push(data);
  }
  terminate() {
    this.terminated = true;
    this.readyState = 3;
  }
}

describe('SocketRegistry', () => {
  it('sends to every open socket of one channel only', () => {
    const registry = new SocketRegistry<RecordingSocket>(1024);
    const [a1, a2, b, closing] = [new RecordingSocket(), new RecordingSocket(), new RecordingSocket(), new RecordingSocket()];
    closing.readyState = 2;
    registry.add('ch:a', a1);
    registry.add('ch:a', a2);
    registry.add('ch:a', a2);
    registry.add('ch:a', closing);
    registry.add('ch:b', b);
    expect(registry.size).toBe(4);
    expect(registry.deliver('ch:a', 'hello')).toEqual({ sent: 2, dropped: 0 });
    expect([a1.sent, a2.sent, b.sent, closing.sent]).toEqual([['hello'], ['hello'], [], []]);
    expect(registry.deliver('ch:none', 'x')).toEqual({ sent: 0, dropped: 0 });
  });

  it('terminates a socket whose unsent backlog is over the limit', () => {
    const registry = new SocketRegistry<RecordingSocket>(1024);
    const slow = new RecordingSocket();
    slow.bufferedAmount = 4096;
    registry.add('ch', slow);
    expect(registry.deliver('ch', 'x')).toEqual({ sent: 0, dropped: 1 });
    expect(slow.terminated).toBe(true);
  });

  it('forgets removed sockets', () => {
    const registry = new SocketRegistry<RecordingSocket>(1024);
    const s = new RecordingSocket();
    registry.add('ch', s);
    registry.remove('ch', s);
    registry.remove('ch', s);
    expect(registry.size).toBe(0);
    expect([...registry.all()]).toEqual([]);
  });
});
