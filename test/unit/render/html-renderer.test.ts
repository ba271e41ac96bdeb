import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Handlebars from 'handlebars';
import { createHtmlRenderer } from '../../../src/infra/render/html-renderer';
import {
  barPercent,
  excerpt,
  formatUtcDate,
  formatUtcDateTime,
  severityClass,
} from '../../../src/infra/render/helpers';
import type { ReportModel } from '../../../src/domain/report-model';
import { buildReportModelFixture, buildRow, mapModelStrings } from '../../fixtures/report-model';

const TEMPLATES_DIR = path.resolve(__dirname, '../../../templates');
const renderer = createHtmlRenderer(TEMPLATES_DIR);

const PAYLOAD = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<meta http-equiv="refresh" content="0;url=http://attacker.example/m">',
  '<iframe src="http://attacker.example/f"></iframe>',
  '<link rel="stylesheet" href="http://attacker.example/s.css">',
  '<link rel="prefetch" href="http://attacker.example/p">',
  '<style>@import url(http://attacker.example/c.css); body{background:url(http://attacker.example/b)}</style>',
  '"><svg onload=alert(1)>',
  "'><object data=http://attacker.example/o></object>",
  '</style></title></textarea><script>alert(2)</script>',
  '{{constructor.constructor "return process"}}',
].join(' ');

/** The markup an attacker would need to smuggle in; each must occur no more often than the template itself uses it. */
const DANGEROUS = ['<script', '<img', '<meta', '<iframe', '<link', '<style', '<object', '<svg', 'onerror=', 'onload='];

function count(haystack: string, needle: string): number {
  return haystack.toLowerCase().split(needle.toLowerCase()).length - 1;
}

function hostile(model: ReportModel): ReportModel {
  return mapModelStrings(model, (text) => `${text} ${PAYLOAD}`);
}

function barWidth(html: string, className: string): number {
  const match = new RegExp(`class="bar-fill ${className}"[^>]*width="([\\d.]+)"`).exec(html);
  if (!match) throw new Error(`no bar with class ${className}`);
  return Number(match[1]);
}

describe('report HTML', () => {
  const model = buildReportModelFixture();
  const html = renderer.renderReportHtml(model);

  it('when every field of the model holds markup, then none of it appears unescaped in the HTML', () => {
    const attacked = renderer.renderReportHtml(hostile(model));

    for (const needle of DANGEROUS) {
      expect({ needle, count: count(attacked, needle) }).toEqual({ needle, count: count(html, needle) });
    }
    expect(count(attacked, '<script')).toBe(0);
    expect(count(attacked, '<img')).toBe(0);
    expect(count(attacked, '<iframe')).toBe(0);
    expect(count(attacked, '<link')).toBe(0);
    expect(count(attacked, '<object')).toBe(0);
    expect(count(attacked, '<style')).toBe(1);
    // "@import" may occur as escaped text; only inside the one style element would it act, and that is our file.
    const style = /<style>([\s\S]*?)<\/style>/.exec(attacked)?.[1];
    expect(style).toBe(readFileSync(path.join(TEMPLATES_DIR, 'report.css'), 'utf8'));
    expect(style).not.toContain('@import');
    // Our own <meta charset> and Content-Security-Policy.
    expect(count(attacked, '<meta')).toBe(2);
  });

  it('when every field holds markup, then it prints as escaped text in every place it is shown', () => {
    const attacked = renderer.renderReportHtml(hostile(model));
    const escaped = Handlebars.escapeExpression('<script>alert(1)</script>');
    // Title, tenant, ids, dates, endpoint names, row titles, categories, evidence and control titles all carry it.
    expect(count(attacked, escaped)).toBeGreaterThan(model.rows.length * 8);
    expect(attacked).toContain(Handlebars.escapeExpression(`${model.report.title} ${PAYLOAD}`));
    expect(attacked).toContain(Handlebars.escapeExpression(`${model.report.tenantName} ${PAYLOAD}`));
    expect(attacked).toContain(Handlebars.escapeExpression(`${model.rows[0].endpointName} ${PAYLOAD}`));
    expect(attacked).toContain(
      Handlebars.escapeExpression(`${model.rows[0].frameworks[0].controls[0].title} ${PAYLOAD}`),
    );
  });

  it('when data looks like a Handlebars expression, then it prints literally and is never evaluated', () => {
    const attacked = renderer.renderReportHtml(hostile(model));
    expect(attacked).toContain('{{constructor.constructor &quot;return process&quot;}}');
  });

  it('when a severity is not a known one, then its badge gets the neutral class and no class built from the text', () => {
    const row = buildRow({ severity: 'x" onmouseover="evil' as never });
    const attacked = renderer.renderReportHtml(buildReportModelFixture({ rows: [row] }));
    expect(attacked).toContain('class="badge sev-unknown"');
    expect(attacked).not.toContain('onmouseover="');
  });

  it('when rendered, then the document names no external resource', () => {
    expect(html).not.toMatch(/\s(src|href|srcset|data|action|poster)\s*=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).toContain('<meta http-equiv="Content-Security-Policy" content="default-src \'none\';');
  });

  it('when rendered, then the cover carries the report facts', () => {
    for (const fact of [
      model.report.title,
      model.report.tenantName,
      model.report.id,
      '2026-04-01 to 2026-06-30',
      '2026-07-01 09:13 UTC',
      `<td class="mono">${model.catalogueVersion}</td>`,
      `<td class="mono">${model.schemaVersion}</td>`,
    ]) {
      expect(html).toContain(fact);
    }
  });

  it('when rendered, then every row appears with its ref, title, endpoint, dates, occurrences and controls', () => {
    for (const row of model.rows) {
      expect(html).toContain(`<td class="mono ref" rowspan="2">${row.ref}</td>`);
      expect(html).toContain(Handlebars.escapeExpression(row.title));
      expect(html).toContain(`<td>${Handlebars.escapeExpression(row.endpointName)}</td>`);
      expect(html).toContain(`<td class="date">${row.firstSeen.slice(0, 10)}</td>`);
      expect(html).toContain(`<td class="date">${row.lastSeen.slice(0, 10)}</td>`);
      expect(html).toContain(`<td class="num">${row.occurrences}</td>`);
      for (const fw of row.frameworks) {
        for (const c of fw.controls) {
          expect(html).toContain(
            `<span class="control-id">${Handlebars.escapeExpression(c.id)}</span> — ${Handlebars.escapeExpression(c.title)}`,
          );
        }
      }
    }
  });

  it('when rendered, then every requested framework is listed on the cover, in scope and in the summary', () => {
    for (const fw of model.report.frameworks) {
      expect(count(html, Handlebars.escapeExpression(fw.label))).toBeGreaterThanOrEqual(3);
    }
  });

  it('when a row maps to no control of a framework, then the table says so instead of leaving a blank', () => {
    const row = buildRow();
    row.frameworks[0] = { ...row.frameworks[0], controls: [] };
    const out = renderer.renderReportHtml(buildReportModelFixture({ rows: [row] }));
    expect(out).toContain('<div class="control muted">No mapped control</div>');
  });

  it('when an endpoint in scope has no rows, then scope lists it with no findings', () => {
    const out = renderer.renderReportHtml(
      buildReportModelFixture({
        rows: [buildRow()],
        report: { scope: { ...model.report.scope, endpointIds: ['ep_2026_abc123', 'ep_2026_q9w8e7r6t5y4'] } },
      }),
    );
    expect(out).toMatch(
      /<td class="mono">ep_2026_q9w8e7r6t5y4<\/td>\s*<td><span class="muted">No findings in scope<\/span><\/td>/,
    );
    expect(out).toMatch(/<td class="mono">ep_2026_abc123<\/td>\s*<td>Customer support assistant \(production\)<\/td>/);
  });

  it('when there are no rows, then the findings table and appendix say there is nothing in scope', () => {
    const out = renderer.renderReportHtml(buildReportModelFixture({ rows: [] }));
    expect(out).toContain('No findings in scope.');
    expect(out).toContain('No findings in scope, so no evidence.');
  });

  it('when evidence is longer than 1,500 characters, then it is cut there and marked truncated', () => {
    const prompt = 'A'.repeat(5000) + 'END-OF-PROMPT';
    const row = buildRow({ evidence: { prompt, response: 'short answer' } });
    const out = renderer.renderReportHtml(buildReportModelFixture({ rows: [row] }));
    expect(out).toContain(`<div class="excerpt-text">${'A'.repeat(1500)}</div>`);
    expect(out).not.toContain('END-OF-PROMPT');
    expect(out).toContain(`[truncated: 1500 of ${prompt.length} characters shown]`);
    expect(out).toContain('<div class="excerpt-text">short answer</div>');
    expect(count(out, '[truncated:')).toBe(1);
  });

  it('when timestamps carry offsets, then they print as UTC', () => {
    const row = buildRow({ firstSeen: '2026-06-30T23:30:00-05:00', lastSeen: '2026-07-01T01:05:00+02:00' });
    const out = renderer.renderReportHtml(
      buildReportModelFixture({ rows: [row], report: { generatedAt: '2026-07-02T00:30:00+01:00' } }),
    );
    expect(out).toContain('<td class="date">2026-07-01</td>');
    expect(out).toContain('<td class="date">2026-06-30</td>');
    expect(out).toContain('2026-07-01 23:30 UTC');
  });

  it('when severities have different counts, then the bars scale to the largest', () => {
    const rows = [
      buildRow({ ref: 'R001', severity: 'critical' }),
      ...['R002', 'R003', 'R004', 'R005'].map((ref) => buildRow({ ref, severity: 'high' })),
    ];
    const out = renderer.renderReportHtml(buildReportModelFixture({ rows }));
    expect(barWidth(out, 'sev-high')).toBe(100);
    expect(barWidth(out, 'sev-critical')).toBe(25);
    expect(barWidth(out, 'sev-low')).toBe(0);
  });

  it('when a field the templates read is missing, then rendering fails instead of printing a blank', () => {
    const broken = buildReportModelFixture();
    delete (broken.report as Partial<ReportModel['report']>).tenantName;
    expect(() => renderer.renderReportHtml(broken)).toThrow(/tenantName/);
  });
});

describe('running header and footer', () => {
  const model = hostile(buildReportModelFixture());

  it('when the title holds markup, then the header prints it escaped', () => {
    const header = renderer.headerTemplate(model);
    expect(header).not.toMatch(/<(script|img|meta|iframe|link|style|object|svg)/i);
    expect(header).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(header).toContain(Handlebars.escapeExpression(buildReportModelFixture().report.title));
  });

  it('when the report id holds markup, then the footer prints it escaped next to the page numbers', () => {
    const footer = renderer.footerTemplate(model);
    expect(footer).not.toMatch(/<(script|img|meta|iframe|link|style|object|svg)/i);
    expect(footer).toContain(Handlebars.escapeExpression(buildReportModelFixture().report.id));
    expect(footer).toContain('Page <span class="pageNumber"></span> of <span class="totalPages"></span>');
  });

  it('when built, then both set their own font size because page CSS does not reach them', () => {
    expect(renderer.headerTemplate(model)).toMatch(/font-size:\s*[\d.]+pt/);
    expect(renderer.footerTemplate(model)).toMatch(/font-size:\s*[\d.]+pt/);
  });
});

describe('templates folder', () => {
  it('when a template has a syntax error, then creating the renderer fails naming the file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'templates-'));
    try {
      cpSync(TEMPLATES_DIR, dir, { recursive: true });
      writeFileSync(path.join(dir, 'partials', 'cover.hbs'), '<h1>{{#each rows}}</h1>');
      expect(() => createHtmlRenderer(dir)).toThrow(/template cover\.hbs/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when the stylesheet could close its style element, then creating the renderer fails', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'templates-'));
    try {
      cpSync(TEMPLATES_DIR, dir, { recursive: true });
      writeFileSync(path.join(dir, 'report.css'), 'body{}</style><script>x</script>');
      expect(() => createHtmlRenderer(dir)).toThrow(/report\.css must not contain/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('render helpers', () => {
  it('when a count is tiny next to the largest, then its bar still shows', () => {
    expect(barPercent(1, 1000)).toBe(1);
    expect(barPercent(0, 10)).toBe(0);
    expect(barPercent(5, 0)).toBe(0);
    expect(barPercent(1, 3)).toBe(33.3);
  });

  it('when text is cut inside a surrogate pair, then the pair is dropped whole', () => {
    const cut = excerpt('ab😀cd', 3);
    expect(cut).toEqual({ text: 'ab', truncated: true, shown: 2, total: 6 });
  });

  it('when a date cannot be parsed, then it comes back as given', () => {
    expect(formatUtcDate('not a date')).toBe('not a date');
    expect(formatUtcDateTime('2026-13-45')).toBe('2026-13-45');
    expect(formatUtcDate('2026-04-01')).toBe('2026-04-01');
  });

  it('when a severity is unknown, then its class is neutral', () => {
    expect(severityClass('critical')).toBe('sev-critical');
    expect(severityClass('critical" x="')).toBe('sev-unknown');
  });
});
