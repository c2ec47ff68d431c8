import type { HeaderMap } from '@notify/runtime';
import { keyText, type DlqEntry } from './dlq-entry.js';
import type { DecodeResult, UnreadableReason } from './entry-decoder.js';

const HEX_PREVIEW_BYTES = 64;

/** A dead letter as `inspect` shows it: decoded when its source topic's schema reads it, raw bytes otherwise. */
export interface EntryView {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  failure: {
    code: string | null;
    class: string | null;
    message: string | null;
    retriable: boolean | null;
    sourceTopic: string;
    sourcePartition: number | null;
    sourceOffset: string | null;
    service: string | null;
    attempt: number | null;
    firstFailedAt: string | null;
    deadLetteredAt: string;
    replayCount: number;
  };
  headers: HeaderMap;
  decoded: { schema: string; value: unknown } | null;
  undecodable: { reason: UnreadableReason; message: string } | null;
  raw: { length: number; base64: string; hexPreview: string } | null;
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

export function hexPreview(bytes: Buffer, max = HEX_PREVIEW_BYTES): string {
  const hex = bytes
    .subarray(0, max)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
  return bytes.length > max ? `${hex} …` : hex;
}

export function toEntryView(entry: DlqEntry, decoded: DecodeResult): EntryView {
  const f = entry.failure;
  const value = entry.value ?? Buffer.alloc(0);
  return {
    topic: entry.dlqTopic,
    partition: entry.partition,
    offset: entry.offset,
    timestamp: new Date(entry.timestamp).toISOString(),
    key: keyText(entry),
    failure: {
      code: f.code ?? null,
      class: f.errorClass ?? null,
      message: f.message ?? null,
      retriable: f.retriable ?? null,
      sourceTopic: f.sourceTopic,
      sourcePartition: f.sourcePartition ?? null,
      sourceOffset: f.sourceOffset ?? null,
      service: f.service ?? null,
      attempt: f.attempt ?? null,
      firstFailedAt: iso(f.firstFailedAt),
      deadLetteredAt: new Date(f.deadLetteredAt).toISOString(),
      replayCount: f.replayCount,
    },
    headers: entry.headers,
    decoded: decoded.ok ? { schema: decoded.schema, value: decoded.value } : null,
    undecodable: decoded.ok ? null : { reason: decoded.reason, message: decoded.message },
    raw: decoded.ok
      ? null
      : { length: value.length, base64: value.toString('base64'), hexPreview: hexPreview(value) },
  };
}

/** JSON with byte values as base64 and 64-bit integers as strings. */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    function replacer(this: Record<string, unknown>, key: string, v: unknown) {
      const original = this[key];
      if (Buffer.isBuffer(original)) return original.toString('base64');
      if (typeof v === 'bigint') return v.toString();
      return v;
    },
    indent,
  );
}

function indentBlock(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

export function formatEntryText(v: EntryView): string {
  const f = v.failure;
  const lines = [
    `${v.topic} [${v.partition}]@${v.offset}  key=${v.key ?? '(null)'}  dead-lettered ${f.deadLetteredAt}`,
    `  error: ${f.code ?? '(no code)'}${f.class ? ` (${f.class})` : ''}${f.message ? `: ${f.message}` : ''}`,
    `  source: ${f.sourceTopic}${f.sourcePartition === null ? '' : ` [${f.sourcePartition}]@${f.sourceOffset ?? '?'}`}` +
      `${f.service ? `  service=${f.service}` : ''}${f.attempt === null ? '' : `  attempt=${f.attempt}`}` +
      `${f.replayCount ? `  replayed=${f.replayCount}` : ''}`,
    '  headers:',
    ...Object.entries(v.headers).map(([k, val]) => `    ${k}: ${val}`),
  ];
  if (v.decoded) {
    lines.push(`  value (${v.decoded.schema}):`, indentBlock(toJson(v.decoded.value), '    '));
  } else if (v.undecodable && v.raw) {
    lines.push(
      `  value: not decoded (${v.undecodable.reason}: ${v.undecodable.message})`,
      `    bytes: ${v.raw.length}`,
      `    base64: ${v.raw.base64}`,
      `    hex: ${v.raw.hexPreview}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
