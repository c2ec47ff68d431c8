import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { Collections, type UserTokenSecretDoc } from './documents.js';
import { ensureIndexes } from './indexes.js';
import { openTestDb } from './test-support.js';
import { UserTokenSecretRepository } from './user-token-secret-repository.js';

let db: Db;
let close: () => Promise<void>;
let commandsOn: (collection: string) => () => string[];

beforeAll(async () => {
  ({ db, close, commandsOn } = await openTestDb('user_token_secrets'));
  await ensureIndexes(db);
});
afterAll(async () => close());

describe('UserTokenSecretRepository', () => {
  it('creates a tenant’s key on first use, once, even when many replicas ask at the same moment', async () => {
    const replicas = Array.from({ length: 8 }, () => new UserTokenSecretRepository(db));
    expect(await replicas[0]!.verificationKeys('acme')).toBeNull();
    const seen = commandsOn(Collections.userTokenSecrets);
    const keys = await Promise.all(replicas.map((r) => r.signingKey('acme')));
    // They really raced: several found no key and tried to create one; the losers read the winner's.
    expect(seen().filter((c) => c === 'insert').length).toBeGreaterThan(1);
    const { kid, secret } = keys[0]!;
    expect(kid).toMatch(/^[0-9a-f]{16}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(new Set(keys.map((k) => `${k.kid}:${k.secret}`)).size).toBe(1);
    expect(await db.collection(Collections.userTokenSecrets).countDocuments({ _id: 'acme' as never })).toBe(1);
    expect((await replicas[1]!.verificationKeys('acme'))?.map((k) => k.kid)).toEqual([kid]);
    // Another tenant gets a key of its own.
    expect((await replicas[0]!.signingKey('globex')).secret).not.toBe(secret);
  });

  it('caches verification keys, reading again for a key it does not know (a rotation elsewhere)', async () => {
    let now = 1_000_000;
    const verifier = new UserTokenSecretRepository(db, { verifyCacheMs: 60_000, now: () => now });
    const issuer = new UserTokenSecretRepository(db);
    const first = await issuer.signingKey('initech');
    const seen = commandsOn(Collections.userTokenSecrets);
    expect((await verifier.verificationKeys('initech', first.kid))?.map((k) => k.kid)).toEqual([first.kid]);
    await verifier.verificationKeys('initech', first.kid);
    expect(seen()).toEqual(['find']);

    const second = await issuer.rotate('initech');
    expect(await issuer.signingKey('initech')).toEqual(second);
    // The verifier has never seen the new key: it reads again and keeps the previous one.
    expect((await verifier.verificationKeys('initech', second.kid))?.map((k) => k.kid)).toEqual([second.kid, first.kid]);

    // A retired key (dropPrevious) still verifies from the cache until it expires.
    const third = await issuer.rotate('initech', { dropPrevious: true });
    const stored = await db.collection<UserTokenSecretDoc>(Collections.userTokenSecrets).findOne({ _id: 'initech' });
    expect(stored?.current.kid).toBe(third.kid);
    expect(stored?.previous).toBeUndefined();
    expect((await verifier.verificationKeys('initech', first.kid))?.map((k) => k.kid)).toEqual([second.kid, first.kid]);
    now += 60_001;
    expect((await verifier.verificationKeys('initech', first.kid))?.map((k) => k.kid)).toEqual([third.kid]);
  });

  it('lets only one of two racing rotations replace a given key; the loser rotates the winner’s', async () => {
    const repo = new UserTokenSecretRepository(db);
    const original = await repo.signingKey('hooli');
    const [a, b] = await Promise.all([repo.rotate('hooli'), new UserTokenSecretRepository(db).rotate('hooli')]);
    const stored = await db.collection<UserTokenSecretDoc>(Collections.userTokenSecrets).findOne({ _id: 'hooli' });
    const kids = [stored?.current.kid, stored?.previous?.kid];
    expect(kids.sort()).toEqual([a.kid, b.kid].sort());
    expect(kids).not.toContain(original.kid);
    // Rotating a tenant without a key creates one.
    const created = await repo.rotate('pied-piper');
    expect(await repo.signingKey('pied-piper')).toEqual(created);
  });
});
