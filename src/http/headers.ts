/** Headers on every answer the API gives: no MIME sniffing of JSON, no referrer leaking a signed URL, and a
 * Content-Security-Policy that lets nothing run or load should a browser ever render an answer (an error echoing a
 * field, an artifact opened in a tab). The reference page at `/api/v2/docs` replaces it with {@link DOCS_CSP}. */
export const BASE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
} as const;

/** The reference page's policy: its script and the document from this server only, nothing from anywhere else.
 * The renderer writes its styles inline (styled-components) and runs its search index in a worker it creates from
 * a blob, and its fonts and icons are inline data; each of those is allowed and nothing more. */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  'worker-src blob:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every answer to a bearer-authenticated request, success or error: what one token may read must
 * not be kept by a browser or a shared cache, nor served from a cache to a request with another token. */
export const PRIVATE_HEADERS = { 'Cache-Control': 'no-store', Vary: 'Authorization' } as const;
