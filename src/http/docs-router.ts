import fs from 'node:fs';
import { Router } from 'express';
import { buildOpenApiDocument } from './contract/document';
import { DOCS_CSP } from './headers';

/** The page that renders the document: the renderer's script and a start script, both from this server, and no
 * inline script, so the page's policy needs no `unsafe-inline` for scripts. */
const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Audit evidence reports API</title>
  </head>
  <body>
    <div id="reference"></div>
    <script src="/api/v2/docs/redoc.standalone.js"></script>
    <script src="/api/v2/docs/start.js"></script>
  </body>
</html>
`;

/** Renders the document into the page, fetched from this server; nothing is asked of any other. */
const START = `Redoc.init('/api/v2/openapi.json', { disableSearch: false, hideDownloadButton: false }, document.getElementById('reference'));
`;

/** The renderer's credit in its side menu shows its maker's logo from their CDN. The page asks nothing of any other
 * server, so the logo's address is replaced by an empty inline image when the bundle is first served. */
const CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
const EMPTY_IMAGE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E";

/** The renderer's standalone bundle, from its npm package, with nothing in it that loads from elsewhere. */
function rendererBundle(): Buffer {
  const source = fs.readFileSync(require.resolve('redoc/bundles/redoc.standalone.js'), 'utf8');
  return Buffer.from(source.split(CDN_LOGO).join(EMPTY_IMAGE), 'utf8');
}

/**
 * The API's own description, without a token: the OpenAPI document at `/api/v2/openapi.json` (built once, from
 * the schemas the routers validate with) and a rendered reference at `/api/v2/docs`, whose renderer (Redoc) is
 * served from its package, never from a CDN.
 */
export function docsRouter(): Router {
  const router = Router();
  const document = JSON.stringify(buildOpenApiDocument());
  let renderer: Buffer | undefined;

  router.get('/api/v2/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').type('application/json').send(document);
  });

  router.get('/api/v2/docs', (_req, res) => {
    res.set({ 'Cache-Control': 'public, max-age=300', 'Content-Security-Policy': DOCS_CSP }).type('html').send(PAGE);
  });

  router.get('/api/v2/docs/start.js', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').type('text/javascript').send(START);
  });

  router.get('/api/v2/docs/redoc.standalone.js', (_req, res) => {
    renderer ??= rendererBundle();
    res.set('Cache-Control', 'public, max-age=86400').type('text/javascript').send(renderer);
  });

  return router;
}
