import { readFileSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import Handlebars from 'handlebars';
import type { HtmlRenderer, IntegrityFacts } from '../../../activities/render-activities';
import { AppError } from '../../domain/errors';
import type { ReportModel } from '../../domain/report-model';
import { registerBrandingHelpers } from './branding-helpers';
import { registerReleaseHelpers } from './release-helpers';
import { registerTreatmentHelpers } from './treatment-helpers';
import { CONTROL_TITLE_LIMIT, EXCERPT_LIMIT, MATRIX_TITLE_LIMIT, registerHelpers } from './helpers';

export type { HtmlRenderer, IntegrityFacts };

type Template = Handlebars.TemplateDelegate<ReportModel>;

// Strict mode turns a misspelt field in a template into an error instead of a silently empty cell.
const COMPILE_OPTIONS: CompileOptions = { strict: true, noEscape: false };

function compileFile(hbs: typeof Handlebars, path: string): Template {
  const source = readFileSync(path, 'utf8');
  // compile() is lazy; parsing now surfaces a syntax error at start-up, naming the file.
  try {
    hbs.parse(source);
  } catch (err) {
    throw new Error(`template ${basename(path)}: ${(err as Error).message}`);
  }
  return hbs.compile<ReportModel>(source, COMPILE_OPTIONS);
}

/** The template each error thrown while applying templates came from: the innermost, so an error in a partial names
 * the partial rather than the report template that included it. */
const failedIn = new WeakMap<object, string>();

/** A compiled template that remembers its file name on whatever it throws. */
function named(file: string, template: Template): Template {
  return (context, options) => {
    try {
      return template(context, options);
    } catch (err) {
      if (typeof err === 'object' && err !== null && !failedIn.has(err)) failedIn.set(err, file);
      throw err;
    }
  };
}

/** Applies a template to the report data. Anything it throws (a field strict mode cannot find, a helper refusing
 * its input, a template compiled on first use that does not compile) would be thrown again by every retry with
 * the same data and templates, so it becomes `template_failed`, which is final: the report fails at once, and
 * `/retry` runs it again once the templates are fixed. The message names the template, the partial that failed
 * and Handlebars' own words (with the line and column), for the logs and the workflow history; the caller only
 * sees the table's generic text. */
function apply(file: string, template: Template, model: ReportModel, options?: RuntimeOptions): string {
  try {
    return template(model, options);
  } catch (err) {
    const inner = typeof err === 'object' && err !== null ? failedIn.get(err) : undefined;
    const where = inner === undefined || inner === file ? `template ${file}` : `template ${inner} (in ${file})`;
    const reason = err instanceof Error ? err.message : String(err);
    throw new AppError('template_failed', `${where} failed on this report's data: ${reason}`, undefined, err);
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** Refuses integrity facts the page would print wrongly: a digest that is not SHA-256 hex, or a fact left empty.
 * A verification page that names no key, or the wrong kind of digest, is worse than a failed render. */
function checkIntegrity(integrity: IntegrityFacts): void {
  for (const key of ['contentDigest', 'signer', 'keyId', 'jwksUrl'] as const) {
    const value: unknown = integrity[key];
    if (typeof value !== 'string' || value.trim() === '')
      throw new Error(`integrity.${key} must be a non-empty string`);
  }
  if (!SHA256_HEX.test(integrity.contentDigest)) {
    throw new Error('integrity.contentDigest must be a SHA-256 digest as 64 hex digits');
  }
}

function readStylesheet(path: string): string {
  const css = readFileSync(path, 'utf8');
  // The stylesheet is inserted unescaped; a closing tag inside it would end the <style> element early.
  if (/<\/style/i.test(css)) throw new Error(`${basename(path)} must not contain "</style"`);
  return css;
}

/** Creates an HTML renderer from a templates folder holding `report.hbs`, `report.css`, `header.hbs`,
 * `footer.hbs` and `partials/*.hbs`. It renders the report as one self-contained HTML document (inline CSS,
 * nothing external) that ends with an integrity page printing the given {@link IntegrityFacts} and how to verify
 * the signed PDF, and the running header (title, tenant) and footer (report id, "Page N of M") that
 * `page.pdf` draws on every page. Files are read and parsed here, once, so a missing file or a syntax error
 * fails at start-up rather than on the first report. Uses its own Handlebars environment, so helpers and
 * partials registered elsewhere in the process cannot change what a report shows. */
export function createHtmlRenderer(templatesDir: string): HtmlRenderer {
  const hbs = Handlebars.create();
  registerHelpers(hbs);
  registerBrandingHelpers(hbs);
  registerTreatmentHelpers(hbs);
  registerReleaseHelpers(hbs);

  const partialsDir = join(templatesDir, 'partials');
  for (const file of readdirSync(partialsDir).sort()) {
    if (extname(file) !== '.hbs') continue;
    // Compiled here rather than left as source so partials get strict mode too.
    hbs.registerPartial(basename(file, '.hbs'), named(`partials/${file}`, compileFile(hbs, join(partialsDir, file))));
  }

  const stylesheet = readStylesheet(join(templatesDir, 'report.css'));
  const report = compileFile(hbs, join(templatesDir, 'report.hbs'));
  const header = compileFile(hbs, join(templatesDir, 'header.hbs'));
  const footer = compileFile(hbs, join(templatesDir, 'footer.hbs'));

  return {
    renderReportHtml: (model, integrity) => {
      checkIntegrity(integrity);
      return apply('report.hbs', report, model, {
        data: {
          stylesheet,
          integrity,
          excerptLimit: EXCERPT_LIMIT,
          controlTitleLimit: CONTROL_TITLE_LIMIT,
          matrixTitleLimit: MATRIX_TITLE_LIMIT,
          contents: REPORT_CONTENTS,
        },
      });
    },
    headerTemplate: (model) => apply('header.hbs', header, model),
    footerTemplate: (model) => apply('footer.hbs', footer, model),
  };
}

/** The entries of the table of contents: each section's anchor (the id its template gives it) and title, in print
 * order. The page numbers are added to the printed PDF (src/infra/signing/pdf-contents.ts). */
export const REPORT_CONTENTS: readonly { id: string; title: string }[] = Object.freeze([
  { id: 'sec-approval', title: 'Approval and versions' },
  { id: 'sec-summary', title: '1 Executive summary' },
  { id: 'sec-scope', title: '2 Scope and method' },
  { id: 'sec-testing', title: '3 Testing performed' },
  { id: 'sec-population', title: '4 Population and completeness' },
  { id: 'sec-findings', title: '5 Findings' },
  { id: 'sec-coverage', title: '6 Control status' },
  { id: 'sec-evidence', title: 'Appendix A Evidence' },
  { id: 'sec-crosswalk', title: 'Appendix B Cross-framework mapping' },
  { id: 'sec-integrity', title: 'Integrity and verification' },
]);

/** The report's section titles in print order, as the templates head them, with the anchor of each the contents
 * link to: the document outline that signing turns into bookmarks. Kept beside the templates; a test checks every one is found in a rendered report. */
export function reportOutline(model: ReportModel): (string | { title: string; anchor: string })[] {
  return [
    model.report.title,
    'At a glance',
    'Contents',
    ...REPORT_CONTENTS.map((entry) => ({ title: entry.title, anchor: entry.id })),
  ];
}
