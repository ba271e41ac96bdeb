import type Handlebars from 'handlebars';
import { isAccentColour, type Branding } from '../../domain/branding';
import { LOGO_CONTENT_TYPES, readImageHeader } from '../../domain/image-header';
import type { ReportModel } from '../../domain/report-model';

/** The accent colour of a report without branding; report.css declares the same value as `--accent`. */
export const DEFAULT_ACCENT = '#1f3a5f';

/** The confidentiality wording of a report without branding. */
export const DEFAULT_CONFIDENTIALITY = 'Confidential';

/** The model's branding; a model staged before branding existed has none. */
function brandingOf(model: ReportModel): Partial<Branding> {
  return (model as { branding?: Branding | null }).branding ?? {};
}

/** The accent colour to put in a style attribute: the tenant's if it is `#RRGGBB`, checked again here because this
 * is the one tenant value that lands in CSS, and `fallback` (the report's own accent unless given) when there is
 * none. Anything else fails the render rather than reach a stylesheet. */
export function accentColour(model: ReportModel, fallback = DEFAULT_ACCENT): string {
  if (!isAccentColour(fallback)) throw new Error(`the template's fallback colour ${fallback} is not #RRGGBB`);
  const colour = brandingOf(model).accentColour;
  if (colour === undefined) return fallback;
  if (!isAccentColour(colour)) throw new Error('branding.accentColour is not #RRGGBB; refusing to print it as CSS');
  return colour;
}

/** The tenant's logo as a `data:` URI (no request leaves the page for it), or an empty string for none. Its bytes
 * are read again as a PNG or JPEG of the stated type, so the render worker prints nothing but an image. */
export function logoSource(model: ReportModel): string {
  const logo = brandingOf(model).logo;
  if (!logo) return '';
  if (!(LOGO_CONTENT_TYPES as readonly string[]).includes(logo.contentType)) {
    throw new Error(`branding.logo.contentType ${JSON.stringify(logo.contentType)} is not an image type printed`);
  }
  const bytes = Buffer.from(logo.dataBase64, 'base64');
  if (readImageHeader(bytes).contentType !== logo.contentType) {
    throw new Error('branding.logo is not the image type it states');
  }
  return `data:${logo.contentType};base64,${bytes.toString('base64')}`;
}

/** The name the report is prepared for: the tenant's organisation name if it gave one, else the tenant's name. A
 * helper is not held to strict mode, so a model without the tenant's name fails here as a template lookup would. */
export function organisationName(model: ReportModel): string {
  const name = brandingOf(model).organisationName ?? model.report.tenantName;
  if (typeof name !== 'string')
    throw new TypeError('"tenantName" not defined in report: no organisation name to print');
  return name;
}

/** The helpers the cover, running header and footer use to print the tenant's branding. Each takes the whole model
 * (`@root`) and falls back to the defaults, so templates need no branch per optional field under strict mode. */
export function registerBrandingHelpers(hbs: typeof Handlebars): void {
  // Handlebars passes its options object last, so a fallback is only a fallback when it is a string.
  hbs.registerHelper('accentColour', (model: ReportModel, fallback: unknown) =>
    accentColour(model, typeof fallback === 'string' ? fallback : undefined),
  );
  hbs.registerHelper('logoSource', (model: ReportModel) => logoSource(model));
  hbs.registerHelper('organisationName', (model: ReportModel) => organisationName(model));
  hbs.registerHelper(
    'confidentiality',
    (model: ReportModel) => brandingOf(model).confidentiality ?? DEFAULT_CONFIDENTIALITY,
  );
  hbs.registerHelper('coverText', (model: ReportModel) => brandingOf(model).coverText ?? '');
}
