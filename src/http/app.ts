import type { RequestListener } from 'node:http';
import express from 'express';
import proxyaddr from 'proxy-addr';
import type { Logger } from '../infra/logger';
import { adminRouter, type AdminRouterDeps } from './admin-router';
import { artifactsRouter, type ArtifactsRouterDeps } from './artifacts-router';
import { noteClientAddress } from './attempt-limit';
import { auditRouter, type AuditRouterDeps } from './audit-router';
import { docsRouter } from './docs-router';
import { errorHandler, notFound } from './errors';
import { findingsRouter, type FindingsRouterDeps } from './findings-router';
import { BASE_HEADERS } from './headers';
import { ApiMetrics, opsRouter, type OpsRouterDeps } from './ops-router';
import { publicRouter, type PublicRouterDeps } from './public-router';
import { answerReportPolls, type ReportPollDeps } from './report-polls';
import { reportsRouter, type ReportsRouterDeps } from './reports-router';
import { logWhenAnswered } from './request-log';
import { answerOptions } from './route-table';
import { runsRouter, type RunsRouterDeps } from './runs-router';
import { tenantRouter, type TenantRouterDeps } from './tenant-router';
import { tokensRouter } from './tokens-router';
import { weaknessesRouter, type WeaknessesRouterDeps } from './weaknesses-router';

/** Everything the HTTP API needs. */
export type AppDeps = ReportsRouterDeps &
  ArtifactsRouterDeps &
  PublicRouterDeps &
  TenantRouterDeps &
  FindingsRouterDeps &
  RunsRouterDeps &
  AuditRouterDeps &
  AdminRouterDeps &
  WeaknessesRouterDeps &
  ReportPollDeps & {
    logger: Logger;
    /** The proxies whose `X-Forwarded-For` names the client (TRUST_PROXY); empty: the client is the peer. */
    trustProxy: readonly string[];
  };

/** Builds the API: an Express application with the public keys, schemas and signed artifact URLs without a token, the reports API behind bearer auth, and the one error handler last; report polls are answered
 * in front of it (see {@link answerReportPolls}). */
export function createApp(deps: AppDeps): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  // One rule for every address the API reads: the attempt limits' and `req.ip` in the audit log.
  const trust = proxyaddr.compile([...deps.trustProxy]);
  app.set('trust proxy', trust);
  app.use((_req, res, next) => {
    res.set(BASE_HEADERS);
    next();
  });
  app.use(deps.metrics.middleware());
  app.use(answerOptions);
  app.use(publicRouter(deps));
  app.use(docsRouter());
  app.use('/api/v2', ApiMetrics.mountedAt('/api/v2'));
  app.use('/api/v2', artifactsRouter(deps));
  app.use('/api/v2', adminRouter(deps));
  app.use('/api/v2', tokensRouter(deps));
  app.use('/api/v2', tenantRouter(deps));
  app.use('/api/v2', findingsRouter(deps));
  app.use('/api/v2', runsRouter(deps));
  app.use('/api/v2', weaknessesRouter(deps));
  app.use('/api/v2', auditRouter(deps));
  app.use('/api/v2', reportsRouter(deps));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  const listener = answerReportPolls(app, deps);
  return (req, res) => {
    noteClientAddress(req, trust);
    logWhenAnswered(deps.logger, req, res);
    listener(req, res);
  };
}

/** Builds the operations listener's application: `/healthz`, `/readyz` and `/metrics`, and nothing else. Served on
 * a port of its own (OPS_PORT, on the loopback unless configured otherwise) so that the public port never tells a
 * client what the service is doing for everyone else. */
export function createOpsApp(deps: OpsRouterDeps & { logger: Logger }): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use((_req, res, next) => {
    res.set(BASE_HEADERS);
    next();
  });
  app.use(answerOptions);
  app.use(opsRouter(deps));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
