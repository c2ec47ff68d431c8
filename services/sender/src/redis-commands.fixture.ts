import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * Watches, through MONITOR, the commands Redis executes for clients (not inside scripts) that touch a key
 * starting with `prefix`. `take` returns the ones seen since the last `take`, once Redis has reported
 * everything sent before it was called.
 */
export async function watchRedisCommands(url: string, prefix: string): Promise<{ take: () => Promise<string[]>; close: () => Promise<void> }> {
  const client = new Redis(url);
  const monitor = await new Redis(url).monitor();
  let seen: string[] = [];
  const markers = new Map<string, () => void>();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua') return;
    const marker = markers.get(args[1] ?? '');
    if (marker) return marker();
    if (args.slice(1).some((a) => a.startsWith(prefix))) seen.push(args[0]!.toLowerCase());
  });
  return {
    take: async () => {
      const key = `watch-marker:${randomUUID()}`;
      const reached = new Promise<void>((resolve) => markers.set(key, resolve));
      await client.get(key);
      await reached;
      markers.delete(key);
      const taken = seen;
      seen = [];
      return taken;
    },
    close: async () => {
      monitor.disconnect();
      await client.quit();
    },
  };
}
