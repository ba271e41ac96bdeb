/** Headers on every answer the API gives: no MIME sniffing of JSON, and no referrer leaking a signed URL. */
export const BASE_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' } as const;

/** Headers on every answer to a bearer-authenticated request, success or error: what one token may read must
 * not be kept by a browser or a shared cache, nor served from a cache to a request with another token. */
export const PRIVATE_HEADERS = { 'Cache-Control': 'no-store', Vary: 'Authorization' } as const;
