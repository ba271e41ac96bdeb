import { promises as fs } from 'node:fs';

/** A published key set as a verifier reads it. */
export interface PublishedKeys {
  keys: { kid?: string; x5c?: string[] }[];
}

/** The verdict on one artifact. */
export interface Verdict {
  valid: boolean;
  kind: 'pdf' | 'json';
  keyId?: string;
  detail: string;
}

/** Checks an artifact's bytes against published keys (and a JSON artifact's detached JWS). The service's own
 * offline verification is passed in by the program that runs the CLI, so both CLIs judge an artifact alike. */
export type Verifier = (bytes: Uint8Array, keys: PublishedKeys, jws?: string) => Promise<Verdict>;

/** Reads a JWKS from a URL (`http(s)://…`) or a file, refusing anything without a `keys` array. */
export async function readJwks(source: string, fetchJwks: typeof fetch = globalThis.fetch): Promise<PublishedKeys> {
  const text = /^https?:\/\//.test(source)
    ? await fetchJwks(source).then((r) => {
        if (!r.ok) throw new Error(`${source} answered ${r.status}`);
        return r.text();
      })
    : await fs.readFile(source, 'utf8');
  const jwks = JSON.parse(text) as PublishedKeys;
  if (!Array.isArray(jwks?.keys)) throw new Error(`${source} is not a JWKS (no "keys" array)`);
  return jwks;
}

/** The one line both CLIs print for a verdict: `VALID: <file> [pdf] (key …): <detail>`. */
export function verdictLine(file: string, verdict: Verdict): string {
  const key = verdict.keyId ? ` (key ${verdict.keyId})` : '';
  return `${verdict.valid ? 'VALID' : 'INVALID'}: ${file} [${verdict.kind}]${key}: ${verdict.detail}`;
}
