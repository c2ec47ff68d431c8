import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { HttpError } from './http-errors.js';

/**
 * End-user tokens: short-lived JWTs a tenant's server obtains with its API key (POST
 * /v1/users/:userId/tokens) and hands to its web or mobile app, which then reads that one user's inbox
 * and opens that user's WebSocket without ever holding the API key.
 *
 * HS256 only, signed with a per-tenant secret. Claims: `sub` the user, `tid` the tenant, `iat`, `exp`,
 * `aud` notify-inbox, `iss` notify; the header names the tenant's signing key in `kid` (a tenant keeps its
 * previous key for a while after a rotation). The secrets are looked up by the caller's function: this
 * module reads no store.
 */
export const USER_TOKEN_ALGORITHM = 'HS256';
export const USER_TOKEN_AUDIENCE = 'notify-inbox';
export const USER_TOKEN_ISSUER = 'notify';
/** Lifetime of a token, in seconds. */
export const USER_TOKEN_TTL_SECONDS = { min: 60, max: 86_400, default: 900 } as const; // 1 min, 24 h, 15 min
/** Clock difference tolerated between the issuing and the verifying service, in seconds. */
const CLOCK_TOLERANCE_SECONDS = 5;

/** One of a tenant's signing keys: `secret` is 32 random bytes, base64url. */
export interface UserTokenKey {
  kid: string;
  secret: string;
}

/**
 * The tenant's keys that may verify its tokens, current first; null when the tenant has none (it never
 * issued a token). `kid` is the key the token names, so that a store holding cached keys can read again
 * when it does not know that key yet (a rotation elsewhere).
 */
export type UserTokenKeyLookup = (tenantId: string, kid: string) => Promise<readonly UserTokenKey[] | null>;

export type UserTokenFailure =
  | 'malformed'
  | 'algorithm'
  | 'expired'
  | 'signature'
  | 'audience'
  | 'issuer'
  | 'unknown-tenant'
  | 'unknown-key'
  | 'claims';

/** A token refused: 401 UNAUTHENTICATED whose message names the reason ("token expired", ...). */
export class UserTokenError extends HttpError {
  constructor(
    readonly reason: UserTokenFailure,
    message: string,
  ) {
    super(401, 'UNAUTHENTICATED', message, { 'www-authenticate': 'Bearer error="invalid_token"' });
    this.name = 'UserTokenError';
  }
}

export interface VerifiedUserToken {
  tenantId: string;
  userId: string;
  expiresAt: Date;
}

export interface IssueUserTokenInput {
  tenantId: string;
  userId: string;
  key: UserTokenKey;
  ttlSeconds?: number;
  /** Epoch milliseconds; the clock by default. */
  now?: number;
}

export interface IssuedUserToken {
  token: string;
  expiresAt: Date;
}

const keyBytes = (key: UserTokenKey): Uint8Array => Buffer.from(key.secret, 'base64url');

/** Signs a token for one user of one tenant. */
export async function issueUserToken(input: IssueUserTokenInput): Promise<IssuedUserToken> {
  const ttl = input.ttlSeconds ?? USER_TOKEN_TTL_SECONDS.default;
  if (!Number.isInteger(ttl) || ttl < USER_TOKEN_TTL_SECONDS.min || ttl > USER_TOKEN_TTL_SECONDS.max)
    throw new RangeError(`ttlSeconds must be an integer from ${USER_TOKEN_TTL_SECONDS.min} to ${USER_TOKEN_TTL_SECONDS.max}`);
  const iat = Math.floor((input.now ?? Date.now()) / 1000); // seconds
  const exp = iat + ttl;
  const token = await new SignJWT({ tid: input.tenantId })
    .setProtectedHeader({ alg: USER_TOKEN_ALGORITHM, typ: 'JWT', kid: input.key.kid })
    .setSubject(input.userId)
    .setAudience(USER_TOKEN_AUDIENCE)
    .setIssuer(USER_TOKEN_ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(keyBytes(input.key));
  return { token, expiresAt: new Date(exp * 1000) };
}

export interface VerifyUserTokenOptions {
  keys: UserTokenKeyLookup;
  /** Epoch milliseconds; the clock by default. */
  now?: number;
}

const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * The tenant and user a token was issued for; throws UserTokenError (401) naming why when it is not
 * acceptable. Only HS256 with a known key of the tenant it names, unexpired, for notify-inbox from notify.
 * Errors of the key lookup itself (a store down) are thrown as they are.
 */
export async function verifyUserToken(token: string, options: VerifyUserTokenOptions): Promise<VerifiedUserToken> {
  // What is read before the signature is checked only chooses the key; nothing else is trusted yet.
  let alg: unknown;
  let kid: unknown;
  let unverified: JWTPayload;
  try {
    ({ alg, kid } = decodeProtectedHeader(token));
    unverified = decodeJwt(token);
  } catch {
    throw new UserTokenError('malformed', 'token malformed: not a JSON Web Token');
  }
  if (alg !== USER_TOKEN_ALGORITHM)
    throw new UserTokenError('algorithm', `token algorithm not accepted: ${typeof alg === 'string' ? alg : 'none given'} (only ${USER_TOKEN_ALGORITHM})`);
  if (!nonEmptyString(kid)) throw new UserTokenError('malformed', 'token malformed: no key id (kid) in its header');
  const tenantId = unverified.tid;
  if (!nonEmptyString(tenantId)) throw new UserTokenError('malformed', 'token malformed: no tenant (tid) claim');

  const keys = await options.keys(tenantId, kid);
  if (!keys || keys.length === 0) throw new UserTokenError('unknown-tenant', 'token tenant unknown');
  const key = keys.find((k) => k.kid === kid);
  if (!key) throw new UserTokenError('unknown-key', "token signing key unknown (not one of the tenant's current keys)");

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keyBytes(key), {
      algorithms: [USER_TOKEN_ALGORITHM],
      audience: USER_TOKEN_AUDIENCE,
      issuer: USER_TOKEN_ISSUER,
      requiredClaims: ['sub', 'tid', 'iat', 'exp'],
      maxTokenAge: USER_TOKEN_TTL_SECONDS.max, // also refuses an iat in the future
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: new Date(options.now ?? Date.now()),
    }));
  } catch (err) {
    throw toTokenError(err);
  }
  if (!nonEmptyString(payload.sub)) throw new UserTokenError('claims', 'token claims invalid: sub must name the user');
  if (payload.tid !== tenantId) throw new UserTokenError('claims', 'token claims invalid: tid');
  return { tenantId, userId: payload.sub, expiresAt: new Date((payload.exp as number) * 1000) };
}

function toTokenError(err: unknown): UserTokenError {
  if (err instanceof errors.JWSSignatureVerificationFailed) return new UserTokenError('signature', 'token signature invalid');
  if (err instanceof errors.JWTExpired) return new UserTokenError('expired', err.claim === 'exp' ? 'token expired' : 'token expired (issued too long ago)');
  if (err instanceof errors.JOSEAlgNotAllowed) return new UserTokenError('algorithm', `token algorithm not accepted (only ${USER_TOKEN_ALGORITHM})`);
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return new UserTokenError('audience', `token audience invalid (expected ${USER_TOKEN_AUDIENCE})`);
    if (err.claim === 'iss') return new UserTokenError('issuer', `token issuer invalid (expected ${USER_TOKEN_ISSUER})`);
    if (err.claim === 'nbf') return new UserTokenError('claims', 'token not valid yet (nbf)');
    if (err.claim === 'iat' && err.reason === 'check_failed') return new UserTokenError('claims', 'token claims invalid: issued in the future (iat)');
    return new UserTokenError('claims', `token claims invalid: ${err.message}`);
  }
  return new UserTokenError('malformed', 'token malformed');
}
