import type Handlebars from 'handlebars';
import type { ReportModel, ReportRelease } from '../../domain/report-model';

/** The model's release; a model staged before versions existed is version 1, a draft, read as of its generation. */
export function releaseOf(model: ReportModel): ReportRelease {
  const release = (model as { release?: ReportRelease }).release;
  if (release) return release;
  const at = model.report.generatedAt;
  return {
    version: 1,
    status: 'draft',
    statusAsOf: at,
    approval: null,
    history: [{ version: 1, status: 'draft', at, sha256: null, approverName: null, changedWeaknesses: null }],
  };
}

/** Whether the document is a draft nobody has approved: what every page of it must say. */
export function isDraft(model: ReportModel): boolean {
  return releaseOf(model).status !== 'approved';
}

/** The helpers the running header and the approval page use. Each takes the whole model (`@root`), so templates
 * need no branch for a model staged before versions existed. */
export function registerReleaseHelpers(hbs: typeof Handlebars): void {
  hbs.registerHelper('release', (model: ReportModel) => releaseOf(model));
  hbs.registerHelper('isDraft', (model: ReportModel) => isDraft(model));
}
