import type { IncomingMessage } from 'node:http';

/** Past this the connection is dropped instead of drained: nothing legitimate sends that much. */
const HARD_LIMIT_BYTES = 64 * 1024 * 1024; // 64 MiB

export type BodyResult = { ok: true; raw: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };

/**
 * Reads a request body, keeping at most `limitBytes`. An oversized body is drained (not buffered) so the
 * client still gets a clean 413 rather than a reset connection.
 */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > HARD_LIMIT_BYTES) {
        req.destroy();
        return;
      }
      if (size > limitBytes) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(tooLarge ? { ok: false, reason: 'too-large' } : { ok: true, raw: Buffer.concat(chunks) }),
    );
    req.on('error', () => resolve({ ok: false, reason: 'aborted' }));
    req.on('close', () => {
      if (!req.complete) resolve({ ok: false, reason: 'aborted' });
    });
  });
}
