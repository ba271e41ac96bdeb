import type { RequestListener } from 'node:http';
import express from 'express';
import type { Logger } from '../infra/logger';
import { artifactsRouter, type ArtifactsRouterDeps } from './artifacts-router';
import { auditRouter, type AuditRouterDeps } from './audit-router';
import { errorHandler, notFound } from './errors';
import { findingsRouter, type FindingsRouterDeps } from './findings-router';
import { BASE_HEADERS } from './headers';
import { ApiMetrics, opsRouter, type OpsRouterDeps } from './ops-router';
import { publicRouter, type PublicRouterDeps } from './public-router';
import { answerReportPolls } from './report-polls';
import { reportsRouter, type ReportsRouterDeps } from './reports-router';
import { runsRouter, type RunsRouterDeps } from './runs-router';
import { tenantRouter, type TenantRouterDeps } from './tenant-router';

/** Everything the HTTP API needs. */
export type AppDeps = ReportsRouterDeps &
  ArtifactsRouterDeps &
  PublicRouterDeps &
  TenantRouterDeps &
  FindingsRouterDeps &
  RunsRouterDeps &
  AuditRouterDeps &
  OpsRouterDeps & { logger: Logger };

/** Builds the API: an Express application with the health check, public keys, schemas and signed artifact URLs
 * without a token, the reports API behind bearer auth, and the one error handler last; report polls are answered
 * in front of it (see {@link answerReportPolls}). */
export function createApp(deps: AppDeps): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use((_req, res, next) => {
    res.set(BASE_HEADERS);
    next();
  });
  app.use(deps.metrics.middleware());
  app.use(opsRouter(deps));
  app.use(publicRouter(deps));
  app.use('/api/v2', ApiMetrics.mountedAt('/api/v2'));
  app.use('/api/v2', artifactsRouter(deps));
  app.use('/api/v2', tenantRouter(deps));
  app.use('/api/v2', findingsRouter(deps));
  app.use('/api/v2', runsRouter(deps));
  app.use('/api/v2', auditRouter(deps));
  app.use('/api/v2', reportsRouter(deps));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return answerReportPolls(app, deps);
}
