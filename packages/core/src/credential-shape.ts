/**
 * Whether a presented credential is a user token rather than an API key: API keys (`nk_<16 hex>_<secret>`)
 * never contain a dot, a JWT always does. A credential taken for a token and not a valid one is refused
 * as a malformed token.
 */
export function isUserTokenShaped(credential: string): boolean {
  return credential.includes('.');
}
