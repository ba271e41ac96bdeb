/** Headers on every answer the API gives: no MIME sniffing of JSON, and no referrer leaking a signed URL. */
export const BASE_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' } as const;
