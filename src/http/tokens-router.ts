import { Router } from 'express';
import { parseTokenMint } from '../domain/tokens';
import { listPage, listPosition, presentMinted, presentToken, type AdminRouterDeps } from './admin-router';
import { authenticate, principalOf, requireScope } from './auth';
import { validateRequest } from './contract/validate';
import { jsonBody } from './json-body';
import { rateLimit } from './rate-limit';

/** A tenant's own tokens, behind `tokens:manage`: a token mints only scopes it holds itself, so managing tokens
 * never widens what the tenant's tokens can do; the answers are the operator API's. */
export function tokensRouter(deps: AdminRouterDeps): Router {
  const router = Router();
  const admin = deps.tenantAdmin;
  router.use(
    '/tokens',
    authenticate(deps.tokens, deps.unauthLimits),
    rateLimit(deps.rateLimits),
    requireScope('tokens:manage'),
  );

  router.post('/tokens', ...jsonBody(deps.bodyLimitBytes), validateRequest('mintToken'), async (req, res) => {
    const principal = principalOf(res);
    const minted = await admin.mintToken(
      principal.tenantId,
      parseTokenMint(req.body, principal.scopes),
      principal.tokenId,
    );
    res.status(201).json(presentMinted(minted));
  });

  router.get('/tokens', validateRequest('listTokens'), async (req, res) => {
    const { limit, after } = listPosition(req);
    res.json(listPage(await admin.listTokens(principalOf(res).tenantId, after, limit + 1), limit, presentToken));
  });

  router.delete('/tokens/:id', async (req, res) => {
    const principal = principalOf(res);
    await admin.revokeToken(req.params.id, principal.tokenId, principal.tenantId);
    res.status(204).end();
  });

  return router;
}
