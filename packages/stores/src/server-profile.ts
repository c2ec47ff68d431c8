import type { Db } from 'mongodb';

/**
 * The MongoDB-wire servers the stores run on: MongoDB 6/7 in production, mongo-java-server (H2 backend) in
 * the local stack, FerretDB where a user points the services at one. This is the one place that tells
 * them apart; everything else asks the profile what the server can do.
 */
export type MongoServerKind = 'mongodb' | 'mongo-java-server' | 'ferretdb' | 'unknown';

export interface ServerProfile {
  kind: MongoServerKind;
  version: string;
  /**
   * The server deletes a TTL index's expired documents by itself. When false, a TtlSweeper does it:
   * mongo-java-server accepts and lists TTL indexes but never expires anything, FerretDB 1.x refuses them.
   */
  expiresTtlIndexes: boolean;
}

interface BuildInfo {
  version?: string;
  gitVersion?: string;
  ferretdb?: unknown;
}

const profiles = new WeakMap<Db, Promise<ServerProfile>>();

/** What the server behind `db` is and can do (asked once per Db). */
export function serverProfile(db: Db): Promise<ServerProfile> {
  let profile = profiles.get(db);
  if (!profile) {
    profile = detect(db);
    profile.catch(() => profiles.delete(db));
    profiles.set(db, profile);
  }
  return profile;
}

async function detect(db: Db): Promise<ServerProfile> {
  const build = (await db.admin().command({ buildInfo: 1 })) as BuildInfo;
  const version = build.version ?? 'unknown';
  if (build.ferretdb !== undefined) return { kind: 'ferretdb', version, expiresTtlIndexes: false };
  // Every mongod build reports the commit it was built from; the emulators do not.
  if (build.gitVersion) return { kind: 'mongodb', version, expiresTtlIndexes: true };
  const status = (await db.admin().command({ serverStatus: 1 }).catch(() => ({}))) as { process?: unknown };
  if (status.process === 'java') return { kind: 'mongo-java-server', version, expiresTtlIndexes: false };
  return { kind: 'unknown', version, expiresTtlIndexes: false };
}
