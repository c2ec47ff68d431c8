export { HttpError, errorHandler } from './http-errors.js';
export { apiKeyAuth, caller, type Caller } from './api-key-auth.js';
export { rateLimit } from './rate-limit.js';
export { createHttpApp, listen, type HttpAppOptions } from './http-app.js';
