import { Router } from 'express';
import { AppError } from '../domain/errors';
import { ownEntry } from '../domain/validation';

/** What the unauthenticated public documents are served from. */
export interface PublicRouterDeps {
  /** The public keys artifacts are signed with, every key still in use for verification. */
  jwks: () => Promise<{ keys: object[] }>;
  /** Published JSON Schemas by name and version, e.g. `report` → `1.1.0` → schema. */
  schemas: Readonly<Record<string, Readonly<Record<string, object>>>>;
}

/** Public documents a verifier needs without a token: the JWKS and the JSON Schemas. */
export function publicRouter(deps: PublicRouterDeps): Router {
  const router = Router();

  router.get('/.well-known/jwks.json', async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(await deps.jwks());
  });

  router.get('/api/v2/schemas/:name/:version', (req, res) => {
    // Own entries only: `constructor/name` must not reach Object's built-ins.
    const versions = ownEntry(deps.schemas, req.params.name);
    const schema = versions ? ownEntry(versions, req.params.version) : undefined;
    if (!schema) {
      const known = Object.entries(deps.schemas).flatMap(([name, versions]) =>
        Object.keys(versions).map((v) => `${name}/${v}`),
      );
      throw new AppError(
        'not_found',
        `no published schema ${req.params.name}/${req.params.version}; available: ${known.join(', ')}`,
      );
    }
    res
      .set('Cache-Control', 'public, max-age=86400')
      .type('application/schema+json')
      .send(JSON.stringify(schema, null, 2));
  });

  return router;
}
