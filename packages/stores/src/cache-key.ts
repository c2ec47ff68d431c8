/** Joins id parts into one cache key; each part is escaped so that no two different tuples collide. */
export function cacheKey(...parts: string[]): string {
  return parts.map(encodeURIComponent).join(':');
}
