/**
 * The methods an app's route may answer (RFC 9110 and PATCH): a typo like `GETT` is an error at
 * `app check`, not a route nobody can call. CONNECT and TRACE are left out: they serve proxies and
 * diagnostics, not an app's routes.
 */
export const HTTP_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];
