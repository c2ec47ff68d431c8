import type { Channel } from '@notify/schemas';

/** HH:mm in the recipient's time zone; a window may wrap midnight (22:00 → 07:00). */
export interface QuietHours {
  start: string;
  end: string;
}

/**
 * What decides a notification besides the notification itself: the part of a recipient's preferences
 * document the filter reads.
 */
export interface FilterPreferences {
  /** Unsubscribed from everything (CRITICAL still goes out unless the category is opted out explicitly). */
  globalUnsubscribe: boolean;
  /** category -> channel -> opted in. Missing entries mean opted in. */
  categories: Record<string, Partial<Record<Channel, boolean>>>;
  quietHours?: QuietHours;
}
