import { v5 as uuidv5 } from 'uuid';

/** UUIDv5 namespace of digest ids. Changing it changes every id: never do. */
export const DIGEST_ID_NAMESPACE = '96834b11-28c0-48b5-b116-9e4fcb5ede4f';

/** The id of one generation of a (tenant, user, key) digest window, which is also its digest notification's id. */
export function digestIdOf(tenantId: string, userId: string, key: string, generation: number): string {
  // JSON keeps the parts apart: ('a:b', 'c') and ('a', 'b:c') must not collide.
  return uuidv5(JSON.stringify([tenantId, userId, key, generation]), DIGEST_ID_NAMESPACE);
}

/** The _id of a (tenant, user, key) window's head document. */
export function windowKey(tenantId: string, userId: string, key: string): string {
  return JSON.stringify([tenantId, userId, key]);
}
