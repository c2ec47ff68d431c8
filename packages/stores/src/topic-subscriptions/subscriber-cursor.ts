import { BUCKETS } from './subscriber-buckets.js';

/** Where a listing of a topic's subscribers goes on: a bucket, and how many of its sorted members were listed. */
export interface SubscriberCursor {
  bucket: number;
  offset: number;
}

const CURSOR = /^(\d{1,3})\.(\d{1,9})$/;

/** The cursor as clients see it: `<bucket>.<offset>`, opaque to them. */
export function formatSubscriberCursor(cursor: SubscriberCursor): string {
  return `${cursor.bucket}.${cursor.offset}`;
}

/** A cursor formatSubscriberCursor made, or null for anything else. */
export function parseSubscriberCursor(text: string): SubscriberCursor | null {
  const match = CURSOR.exec(text);
  if (!match) return null;
  const bucket = Number(match[1]);
  return bucket < BUCKETS ? { bucket, offset: Number(match[2]) } : null;
}
