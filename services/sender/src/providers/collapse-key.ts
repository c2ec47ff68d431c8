import type { Dispatch } from '@notify/schemas';

/** The template variable naming a collapse key: a newer push with the same key replaces the one shown. */
export const COLLAPSE_KEY_VARIABLE = 'collapseKey';
const MAX_COLLAPSE_KEY_BYTES = 64; // APNs' limit for apns-collapse-id

/** The dispatch's collapse key, when it names one that fits; a longer one is left out rather than refused. */
export function collapseKeyOf(message: Pick<Dispatch, 'data'>): string | undefined {
  const key = message.data[COLLAPSE_KEY_VARIABLE]?.trim();
  return key && Buffer.byteLength(key) <= MAX_COLLAPSE_KEY_BYTES ? key : undefined;
}
