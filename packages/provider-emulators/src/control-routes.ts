import type { IncomingMessage, ServerResponse } from 'node:http';
import { ControlPatchError, splitControlBody, type EmulatorControl } from './control.js';
import { readBody } from './http-body.js';

const CONTROL_BODY_LIMIT = 1024 * 1024; // 1 MiB

export interface ControlRoutesTarget {
  control: EmulatorControl;
  received: unknown[];
  calls: unknown[];
  clearReceived(): void;
  /** Applies emulator-specific control fields; returns the problems with them. */
  applyExtra?(extra: Record<string, unknown>): string[];
  /** Emulator-specific state shown by `GET /__control`. */
  extraState?(): Record<string, unknown>;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * The `/__control` and `/__received` routes every emulator serves, so tests in other processes can
 * program it and read what it accepted. Returns false when the request is not a control route.
 */
export async function handleControlRoute(
  req: IncomingMessage,
  res: ServerResponse,
  target: ControlRoutesTarget,
): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://emulator').pathname;
  if (!path.startsWith('/__')) return false;

  if (path === '/__control' && req.method === 'GET') {
    sendJson(res, 200, { ...target.control.state(), ...target.extraState?.() });
  } else if (path === '/__control' && req.method === 'POST') {
    const body = await readBody(req, CONTROL_BODY_LIMIT);
    if (!body.ok) {
      sendJson(res, 413, { error: 'control body too large' });
      return true;
    }
    try {
      const { patch, extra } = splitControlBody(body.raw.length ? JSON.parse(body.raw.toString('utf8')) : {});
      const extraProblems = Object.keys(extra).length
        ? (target.applyExtra?.(extra) ?? Object.keys(extra).map((k) => `unknown field ${k}`))
        : [];
      if (extraProblems.length) throw new ControlPatchError(extraProblems);
      target.control.apply(patch);
      sendJson(res, 200, { ...target.control.state(), ...target.extraState?.() });
    } catch (err) {
      const problems = err instanceof ControlPatchError ? err.problems : [(err as Error).message];
      sendJson(res, 400, { error: 'invalid control request', problems });
    }
  } else if (path === '/__received' && req.method === 'GET') {
    sendJson(res, 200, target.received);
  } else if (path === '/__received' && req.method === 'DELETE') {
    target.clearReceived();
    res.writeHead(204).end();
  } else if (path === '/__calls' && req.method === 'GET') {
    sendJson(res, 200, target.calls);
  } else {
    sendJson(res, 404, { error: `no control route ${req.method} ${path}` });
  }
  return true;
}
