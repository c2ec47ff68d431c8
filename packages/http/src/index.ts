export { HttpError, errorHandler, httpStatusFor } from './http-errors.js';
export { apiKeyAuth, caller, type Caller } from './api-key-auth.js';
export { rateLimit } from './rate-limit.js';
export { createHttpApp, listen, type HttpAppOptions } from './http-app.js';
export {
  issueUserToken,
  verifyUserToken,
  UserTokenError,
  USER_TOKEN_ALGORITHM,
  USER_TOKEN_AUDIENCE,
  USER_TOKEN_ISSUER,
  USER_TOKEN_TTL_SECONDS,
  type IssuedUserToken,
  type IssueUserTokenInput,
  type UserTokenFailure,
  type UserTokenKey,
  type UserTokenKeyLookup,
  type VerifiedUserToken,
  type VerifyUserTokenOptions,
} from './user-token.js';
export { methodGuard } from './method-guard.js';
export { answerSchema, asciiDigits, errorBodySchema, fieldIssueSchema, fromZod } from './openapi-schema.js';
export type * from './openapi-types.js';
export { isUserTokenShaped } from '@notify/core';
