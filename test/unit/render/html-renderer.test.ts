import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Handlebars from 'handlebars';
import { ApplicationFailure } from '@temporalio/common';
import { toActivityFailure } from '../../../activities/failures';
import { AppError } from '../../../src/domain/errors';
import { createHtmlRenderer } from '../../../src/infra/render/html-renderer';
import {
  appliedLinks,
  barPercent,
  derivationLabel,
  evidenceExcerpt,
  excerpt,
  formatUtcDate,
  formatUtcDateTime,
  masksLabel,
  refRanges,
  refRangeParts,
  severityClass,
  sha256Hex,
  shortTitle,
} from '../../../src/infra/render/helpers';
import type { RedactionKind } from '../../../src/domain/evidence/redaction';
import type { ReportModel, RowControl, RowEvidence } from '../../../src/domain/report-model';
import {
  buildReportModelFixture,
  buildRow,
  integrityFixture,
  mapModelStrings,
  noRedactions,
} from '../../fixtures/report-model';

const TEMPLATES_DIR = path.resolve(__dirname, '../../../templates');
const renderer = createHtmlRenderer(TEMPLATES_DIR);

/** Renders a model with the integrity facts of its own content. */
function render(model: ReportModel): string {
  return renderer.renderReportHtml(model, integrityFixture(model));
}

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

const esc = (text: string): string => Handlebars.escapeExpression(text);

/** The HTML from a heading (`<h2>` or `<h3>` text) to the end of its section, white space runs folded to one. */
function section(html: string, heading: string): string {
  const start = html.search(new RegExp(`<h[23]>${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  if (start < 0) throw new Error(`no section ${heading}`);
  const end = html.indexOf('</section>', start);
  return html.slice(start, end < 0 ? undefined : end).replace(/\s+/g, ' ');
}

function controls(model: ReportModel): RowControl[] {
  return model.rows.flatMap((r) => r.frameworks.flatMap((f) => f.controls));
}

function barWidth(html: string, className: string): number {
  const match = new RegExp(`class="bar-fill ${className}"[^>]*width="([\\d.]+)"`).exec(html);
  if (!match) throw new Error(`no bar with class ${className}`);
  return Number(match[1]);
}

/** HTML with each link to a row replaced by the reference it shows. */
function withoutRowLinks(text: string): string {
  return text.replace(/<a class="row-link" href="#row-(R\d+)">\1<\/a>/g, '$1');
}

describe('report HTML', () => {
  const model = buildReportModelFixture();
  const html = render(model);

  it('when every field of the model holds markup, then none of it appears unescaped in the HTML', () => {
    const attacked = render(hostile(model));

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
    const attacked = render(hostile(model));
    const escaped = Handlebars.escapeExpression('<script>alert(1)</script>');
    // Title, tenant, ids, dates, endpoint names, row titles, categories, evidence and control titles all carry it.
    expect(count(attacked, escaped)).toBeGreaterThan(model.rows.length * 8);
    expect(attacked).toContain(Handlebars.escapeExpression(`${model.report.title} ${PAYLOAD}`));
    expect(attacked).toContain(Handlebars.escapeExpression(`${model.report.tenantName} ${PAYLOAD}`));
    expect(attacked).toContain(Handlebars.escapeExpression(`${model.rows[0].endpointName} ${PAYLOAD}`));
    // Control titles print shortened; what is left of the payload is still escaped.
    expect(attacked).toContain(esc(shortTitle(`${model.rows[0].frameworks[0].controls[0].title} ${PAYLOAD}`)));
  });

  it('when a finding id and reference not in the catalogue hold markup, then the section listing them escapes them', () => {
    const findingId = 'fnd_<img src=x onerror=alert(1)>';
    const control = '"><svg onload=alert(1)>LLM99';
    const attacked = render(
      buildReportModelFixture({
        unknownRefs: [{ findingId, framework: '<script>alert(3)</script>', control }],
      }),
    );
    const listing = section(attacked, 'References not in the catalogue');
    expect(listing).toContain(`<td class="mono">${esc(findingId)}</td>`);
    expect(listing).toContain(`<td class="mono">${esc(control)}</td>`);
    expect(listing).toContain(`<td>${esc('<script>alert(3)</script>')}</td>`);
    expect(attacked).not.toMatch(/<(script|img)/i);
    expect(attacked).not.toContain('<svg onload');
  });

  it('when group names, basis meanings and derivation reasons hold markup, then they print escaped', () => {
    const attacked = render(hostile(model));
    const mapping = section(attacked, 'Appendix B&ensp;Cross-framework mapping');
    expect(mapping).toContain(esc(`${model.crosswalk.groups[0].name} ${PAYLOAD}`));
    expect(mapping).toContain(esc(`${model.crosswalk.basis.J} ${PAYLOAD}`));
    expect(mapping).toContain(esc(`${controls(model).find((c) => c.via.length > 0)!.via[0].reason} ${PAYLOAD}`));
    expect(mapping).not.toMatch(/<(script|img|iframe|link|object|svg|meta)/i);
  });

  it('when the templates print data, then they never do so unescaped: the only triple-stash is our stylesheet', () => {
    const dirs = [TEMPLATES_DIR, path.join(TEMPLATES_DIR, 'partials')];
    const sources = dirs.flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.hbs'))
        .map((f) => readFileSync(path.join(dir, f), 'utf8')),
    );
    expect(sources.length).toBeGreaterThanOrEqual(10);
    expect(sources.flatMap((s) => s.match(/\{\{\{[^}]*\}\}\}/g) ?? [])).toEqual(['{{{@stylesheet}}}']);
    expect(sources.join('\n')).not.toMatch(/\{\{\s*&/);
  });

  it('when data looks like a Handlebars expression, then it prints literally and is never evaluated', () => {
    const attacked = render(hostile(model));
    expect(attacked).toContain('{{constructor.constructor &quot;return process&quot;}}');
  });

  it('when a severity is not a known one, then its badge gets the neutral class and no class built from the text', () => {
    const row = buildRow({ severity: 'x" onmouseover="evil' as never });
    const attacked = render(buildReportModelFixture({ rows: [row] }));
    expect(attacked).toContain('class="badge sev-unknown"');
    expect(attacked).not.toContain('onmouseover="');
  });

  it('when rendered, then the document names no external resource, and its links lead to anchors of its own', () => {
    expect(html).not.toMatch(/\s(src|srcset|data|action|poster)\s*=/i);
    const hrefs = [...html.matchAll(/\shref\s*=\s*"([^"]*)"/gi)].map((m) => m[1]);
    expect(hrefs.length).toBeGreaterThan(model.rows.length * 2);
    const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    expect(hrefs.filter((h) => !h.startsWith('#') || !ids.has(h.slice(1)))).toEqual([]);
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
      `<th scope="row">Crosswalk version</th><td class="mono">${model.crosswalkVersion}</td>`,
      `<td class="mono">${model.schemaVersion}</td>`,
    ]) {
      expect(html).toContain(fact);
    }
  });

  it('when rendered, then the scope lists every source of findings with its run, file digest and count', () => {
    const sources = html.slice(html.indexOf('<h3>Sources</h3>'), html.indexOf('<h3>Method</h3>'));
    for (const src of model.sources) {
      expect(sources).toContain(`<td>${src.tool}</td>`);
      expect(sources).toContain(`<td class="num">${src.findings}</td>`);
      if (src.runId) expect(sources).toContain(src.runId);
      expect(sources).toContain(src.fileSha256 ?? 'sent through the API');
    }
    expect(sources.match(/<tr>/g)).toHaveLength(model.sources.length + 1);
  });

  it('when rendered, then every row appears with its ref, title, endpoint, dates, occurrences and controls', () => {
    for (const row of model.rows) {
      expect(html).toContain(
        `<td class="mono ref" rowspan="2">${row.ref}<div class="evidence-link"><a href="#evidence-${row.ref}">evidence</a></div></td>`,
      );
      expect(html).toContain(Handlebars.escapeExpression(row.title));
      expect(html).toContain(`<td>${Handlebars.escapeExpression(row.endpointName)}</td>`);
      expect(html).toContain(`<td class="date">${row.firstSeen.slice(0, 10)}</td>`);
      expect(html).toContain(`<td class="date">${row.lastSeen.slice(0, 10)}</td>`);
      expect(html).toContain(`<td class="num">${row.occurrences}</td>`);
      for (const fw of row.frameworks) {
        for (const c of fw.controls) {
          expect(html).toContain(`<span class="control-id">${esc(c.id)}</span> — ${esc(shortTitle(c.title))}`);
        }
      }
    }
  });

  it('when a control is only derived, then it is tagged with its groups; a referenced one is printed plainly', () => {
    const row = buildRow();
    const explicitOnly: RowControl = {
      id: 'LLM01:2025',
      title: 'Prompt Injection',
      type: 'weakness_in',
      explicit: true,
      via: [],
    };
    const both: RowControl = {
      id: 'LLM05:2025',
      title: 'Improper Output Handling',
      type: 'weakness_in',
      explicit: true,
      via: [{ group: 'X06', basis: 'OWASP25', reason: 'the entry itself' }],
    };
    const derived: RowControl = {
      id: 'LLM09:2025',
      title: 'Misinformation',
      type: 'weakness_in',
      explicit: false,
      via: [
        { group: 'X01', basis: 'J', reason: 'judged' },
        { group: 'X13', basis: 'OWASP25-REF', reason: 'listed' },
      ],
    };
    row.frameworks[0] = { ...row.frameworks[0], controls: [explicitOnly, both, derived] };
    const out = render(buildReportModelFixture({ rows: [row] }));
    expect(out).toContain('<div class="control"><span class="control-id">LLM01:2025</span> — Prompt Injection</div>');
    expect(out).toContain(
      '<div class="control"><span class="control-id">LLM05:2025</span> — Improper Output Handling</div>',
    );
    expect(out).toContain(
      '<div class="control derived"><span class="control-id">LLM09:2025</span> — Misinformation ' +
        '<span class="via">via X01 (J), X13</span></div>',
    );
    // The legend under the table says what the tags mean.
    expect(out).toMatch(
      /derived through the curated overlap group named \(Appendix B\), not referenced by\s+the finding/,
    );
  });

  it('when the fixture rows are rendered, then every derived-only control carries a tag and no referenced one does', () => {
    const findings = section(html, '5&ensp;Findings').split('<p class="note legend">')[0];
    const all = controls(model);
    const derivedOnly = all.filter((c) => !c.explicit);
    expect(derivedOnly.length).toBeGreaterThan(20);
    expect(all.some((c) => c.explicit && c.via.length > 0)).toBe(true);
    expect(all.some((c) => c.explicit && c.via.length === 0)).toBe(true);
    const activity = derivedOnly.filter((c) => c.type === 'activity_evidence');
    expect(activity.length).toBeGreaterThan(0);
    expect(count(findings, '<div class="control derived">')).toBe(derivedOnly.length - activity.length);
    expect(count(findings, '<span class="via">via ')).toBe(derivedOnly.length - activity.length);
    expect(count(findings, '<div class="control activity">')).toBe(
      all.filter((c) => c.type === 'activity_evidence').length,
    );
  });

  it('when a row falls in overlap groups, then the findings table names them under its title', () => {
    const row = model.rows.find((r) => r.groups.length > 1)!;
    for (const id of row.groups) {
      const name = model.crosswalk.groups.find((g) => g.id === id)!.name;
      expect(html).toContain(`<div class="row-group"><span class="group-id">${id}</span> ${esc(name)}</div>`);
    }
  });

  it('when rendered, then the status matrix lists every control of every requested framework with its status and rows', () => {
    const linked = section(html, '6&ensp;Control status');
    // Each reference links to its row; read as text, the cell is the references with their ranges.
    expect(linked).toContain('<a class="row-link" href="#row-R001">R001</a>');
    const matrix = withoutRowLinks(linked);
    expect(model.coverage).toHaveLength(model.report.frameworks.length);
    const labels: Record<string, string> = {
      exception: 'Exception',
      tested_no_exception: 'Tested, no exception',
      not_tested: 'Not tested',
      not_applicable: 'Not applicable',
    };
    for (const fw of model.coverage) {
      expect(matrix).toContain(`<h3>${esc(fw.label)}</h3>`);
      const { counts } = fw;
      expect(matrix).toContain(
        `${counts.exception} exception · ${counts.tested_no_exception} tested, no exception · ${counts.not_tested} not tested · ${counts.not_applicable} not applicable, of ${fw.controls.length} controls`,
      );
      for (const c of fw.controls) {
        const cls = `st-${c.status.replace(/_/g, '-')}`;
        const rows = c.rows.length > 0 ? esc(refRanges(c.rows)) : '<span class="muted">–</span>';
        expect(matrix).toContain(
          `<tr class="${cls}"> <td class="mono control-id">${esc(c.id)}</td> <td>${esc(shortTitle(c.title, 160))}</td> ` +
            `<td><span class="status ${cls}">${labels[c.status]}</span></td> <td class="mono">${rows}</td>`,
        );
      }
    }
    // The fixture's runs make some controls tested without exception, and leave others not tested.
    const statuses = new Set(model.coverage.flatMap((fw) => fw.controls.map((c) => c.status)));
    expect([...statuses].sort()).toEqual(['exception', 'not_applicable', 'not_tested', 'tested_no_exception']);
  });

  it('when rendered, then the sections come in order: testing and population before the findings, the status matrix after', () => {
    const order = [
      '1&ensp;Executive summary',
      '2&ensp;Scope and method',
      '3&ensp;Testing performed',
      '4&ensp;Population and completeness',
      '5&ensp;Findings',
      '6&ensp;Control status',
    ];
    const appendices = [
      'Appendix A&ensp;Evidence',
      'Appendix B&ensp;Cross-framework mapping',
      'Integrity and verification',
    ];
    const positions = [...order, ...appendices].map((h) => html.indexOf(`<h2>${h}</h2>`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('when some references are not in the catalogue, then section 4 lists each with its row and the summary says so', () => {
    expect(model.unknownRefs.length).toBeGreaterThanOrEqual(2);
    const listing = withoutRowLinks(section(html, 'References not in the catalogue'));
    for (const u of model.unknownRefs) {
      const ref = model.rows.find((r) => r.findingIds.includes(u.findingId))!.ref;
      expect(listing).toMatch(
        new RegExp(
          `<td class="mono">${u.findingId}</td>\\s*<td class="mono">${ref}</td>\\s*<td>[^<]+</td>\\s*` +
            `<td class="mono">${u.control.replace(/\./g, '\\.')}</td>`,
        ),
      );
    }
    expect(section(html, '1&ensp;Executive summary')).toContain(
      `${model.unknownRefs.length} framework references in the findings could not be matched to a control of the catalogue`,
    );
  });

  it('when one reference is not in the catalogue, then the summary says so in the singular', () => {
    const out = render(
      buildReportModelFixture({ unknownRefs: [{ findingId: 'fnd_1', framework: 'OWASP_LLM', control: 'LLM11' }] }),
    );
    expect(section(out, '1&ensp;Executive summary')).toContain(
      '1 framework reference in the findings could not be matched to a control of the catalogue; see section 6.',
    );
  });

  it('when every reference is in the catalogue, then section 4 says so in one line and the summary is silent', () => {
    const out = render(buildReportModelFixture({ unknownRefs: [] }));
    expect(section(out, 'References not in the catalogue')).toContain(
      'Every framework reference in the findings names a control of the catalogue.',
    );
    expect(out).not.toContain('<table class="grid unknown">');
    expect(out).not.toContain('could not be matched');
  });

  it('when rendered, then the mapping appendix gives both versions, the groups used, the basis legend and the links', () => {
    const mapping = section(html, 'Appendix B&ensp;Cross-framework mapping');
    expect(mapping).toContain(`<th scope="row">Crosswalk version</th><td class="mono">${model.crosswalkVersion}</td>`);
    expect(mapping).toContain(
      `<th scope="row">Control catalogue version</th><td class="mono">${model.catalogueVersion}</td>`,
    );
    for (const g of model.crosswalk.groups)
      expect(mapping).toContain(`<tr><td class="mono">${g.id}</td><td>${esc(g.name)}</td></tr>`);
    for (const [key, meaning] of Object.entries(model.crosswalk.basis)) {
      // Ours (J) and a vendor's mapping (PF) are both judgement, not a source.
      const row = key === 'J' || key === 'PF' ? '<tr class="judgement">' : '<tr>';
      expect(mapping).toContain(`${row}<td class="mono">${esc(key)}</td><td>${esc(meaning)}</td></tr>`);
    }
    expect(mapping).toMatch(/Highlighted bases are judgement, not a published source/);
    const links = appliedLinks(model);
    expect(links.map((g) => g.id)).toEqual(model.crosswalk.groups.map((g) => g.id));
    expect(count(mapping, '<tr class="group-row">')).toBe(links.length);
    const linkCount = links.reduce((n, g) => n + g.links.length, 0);
    expect(count(mapping, '<td class="control-id">')).toBe(linkCount);
  });

  it('when rendered, then every requested framework is listed on the cover, in scope and in the summary', () => {
    for (const fw of model.report.frameworks) {
      expect(count(html, Handlebars.escapeExpression(fw.label))).toBeGreaterThanOrEqual(3);
    }
  });

  it('when a row maps to no control of a framework, then the table says so instead of leaving a blank', () => {
    const row = buildRow();
    row.frameworks[0] = { ...row.frameworks[0], controls: [] };
    const out = render(buildReportModelFixture({ rows: [row] }));
    expect(out).toContain('<div class="control muted">No mapped control</div>');
  });

  it('when an endpoint in scope has no rows, then scope lists it with no findings', () => {
    const out = render(
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

  it('when severities were left out of scope, then the summary shows them as excluded with their count, never as zero', () => {
    const base = buildReportModelFixture();
    const summary = {
      ...base.summary,
      bySeverity: base.summary.bySeverity.map((s) =>
        s.severity === 'low' ? { ...s, rows: 0, requested: false, excludedFindings: 7 } : s,
      ),
    };
    const population = {
      ...base.population,
      excluded: [{ severity: 'low' as const, reason: 'severity_filter' as const, findings: 7 }],
    };
    const out = section(render({ ...base, summary, population }), '1&ensp;Executive summary');
    expect(out).toContain(
      '<td class="kpi-excluded"><span class="kpi-value kpi-note">excluded</span><span class="kpi-label">Low (7 findings)</span></td>',
    );
    expect(out).not.toContain('<td class="kpi-sev-low">');
    expect(out).toContain('excluded from scope: 7 findings in the population');
    const pop = section(render({ ...base, summary, population }), '4&ensp;Population and completeness');
    expect(pop).toContain('<span class="badge sev-low">Low</span> 7 findings: severity not requested');
    expect(pop).toContain(base.population.digest);
  });

  it('when a row was first seen before the period and again after it, then both true dates show, the period’s beneath', () => {
    const row = buildRow({
      firstSeen: '2026-03-12T10:00:00.000Z',
      periodFirstSeen: '2026-04-13T10:00:00.000Z',
      lastSeen: '2026-07-03T10:00:00.000Z',
      periodLastSeen: '2026-06-20T10:00:00.000Z',
    });
    const out = section(render(buildReportModelFixture({ rows: [row] })), '5&ensp;Findings');
    expect(out).toContain(
      '<td class="date">2026-03-12<div class="seen-note">before the period; in it from 2026-04-13</div></td>',
    );
    expect(out).toContain(
      '<td class="date">2026-07-03<div class="seen-note">after the period; in it to 2026-06-20</div></td>',
    );
  });

  it('when the tenant has no applicability profile, then the scope says no EU article is taken to apply', () => {
    const out = section(render(buildReportModelFixture({ applicability: null })), '2&ensp;Scope and method');
    expect(out).toContain('The tenant has stated no applicability profile: no EU AI Act article is taken to apply');
    const withProfile = section(render(buildReportModelFixture()), '2&ensp;Scope and method');
    expect(withProfile).toContain('Role: provider.');
    expect(withProfile).toContain(
      '<span class="mono">A.10.3</span>: not applicable (No supplier provides AI system components.)',
    );
  });

  it('when the tenant set its own rating method, then the report prints it with who set it and why', () => {
    const base = buildReportModelFixture();
    const method = { ...base.rating.method, id: 'northwind-risk', version: '2' };
    const out = section(
      render({
        ...base,
        rating: {
          method,
          source: 'tenant',
          override: {
            reason: 'Aligned with the group risk policy <v3>',
            updatedBy: 'tok_2026_riskowner001',
            updatedAt: '2026-05-01T09:00:00.000Z',
          },
        },
      }),
      '2&ensp;Scope and method',
    );
    expect(out).toContain(
      'The tenant\'s own method, set 2026-05-01 09:00 UTC by <span class="mono">tok_2026_riskowner001</span>, because &ldquo;Aligned with the group risk policy &lt;v3&gt;&rdquo;.',
    );
    expect(out).toContain('<span class="mono">northwind-risk</span> version 2.');
    const fallback = section(render(base), '2&ensp;Scope and method');
    expect(fallback).toContain("The service's documented default method.");
    for (const level of base.rating.method.levels) expect(fallback).toContain(esc(level.meaning));
  });

  it('when a run was posted with only what the API requires, then the testing section prints it with dashes', () => {
    const base = buildReportModelFixture();
    const testing = {
      ...base.testing,
      runs: [
        {
          id: 'run_2026_minimalrun000001',
          tool: 'in-house',
          runId: 'run_2026_minimalrun000001',
          endpointId: 'ep_2026_abc123',
          endpointName: 'Support',
          startedAt: '2026-05-01T00:00:00.000Z',
          origin: 'api' as const,
          resultsComplete: true,
          probes: 1,
          attempts: 0,
          failures: 0,
        },
      ],
      probes: [{ tool: 'in-house', probe: 'manual.review', frameworkRefs: [], runs: 1, attempts: 0, failures: 0 }],
    };
    const out = section(render({ ...base, testing }), '3&ensp;Testing performed');
    expect(out).toContain('<td>in-house</td>');
    expect(out).toContain(
      '<td class="mono wrap">manual.review</td> <td class="mono wrap"><span class="muted">&ndash;</span></td>',
    );
    expect(out).toContain('<span class="muted">not recorded</span>');
  });

  it('when there are no rows, then the findings table and appendix say there is nothing in scope', () => {
    const empty = buildReportModelFixture({ rows: [] });
    const out = render(empty);
    expect(out).toContain('No findings in scope.');
    expect(out).toContain('No findings in scope, so no evidence.');
    expect(out).toContain('No row falls in an overlap group.');
    expect(out).toContain('No link applies to this report.');
    // Every baseline control is still listed, none with a row bearing on it.
    const matrix = section(out, '6&ensp;Control status');
    expect(count(matrix, '<td class="mono control-id">')).toBeGreaterThan(50);
    // With no rows, only a probe that failed makes an exception.
    const exceptions = empty.coverage.flatMap((fw) => fw.controls.filter((c) => c.status === 'exception'));
    expect(exceptions.every((c) => c.rows.length === 0 && c.tested.failures > 0)).toBe(true);
    expect(count(matrix, '<span class="status st-exception">')).toBe(exceptions.length);
  });

  it('when evidence without a goal is longer than 1,500 characters, then it is cut after the first 1,500 and says how much was cut', () => {
    const prompt = 'A'.repeat(5000) + 'END-OF-PROMPT';
    const row = buildRow({
      evidence: { prompt, response: 'short answer', findingId: 'fnd_2026_evidence000001', redactions: noRedactions() },
    });
    const out = render(buildReportModelFixture({ rows: [row] }));
    expect(out).toContain(`<div class="excerpt-text">${'A'.repeat(1500)}</div>`);
    expect(out).not.toContain('END-OF-PROMPT');
    expect(out).toContain('<div class="excerpt-cut">… 3,513 characters cut after</div>');
    expect(out).not.toContain('characters cut before');
    expect(out).toContain('[excerpt: 1,500 of 5,013 characters shown, from the start]');
    expect(out).toContain('<div class="excerpt-text">short answer</div>');
    expect(count(out, '[excerpt:')).toBe(1);
  });

  it('when the attack goal’s words occur deep in a long response, then the excerpt is centred on them and says what was cut on each side', () => {
    const response = `${'filler text '.repeat(400)}Sure: the refund override code is 7781 ${'more filler '.repeat(400)}`;
    const row = buildRow({
      evidence: {
        prompt: 'p',
        response,
        findingId: 'fnd_2026_evidence000001',
        scan: { plugin: 'pii:direct', goal: 'reveal the refund override code' },
        redactions: noRedactions(),
      },
    });
    const appendix = section(render(buildReportModelFixture({ rows: [row] })), 'Appendix A&ensp;Evidence');
    // The longest run of the goal's words in the response: "the refund override code".
    const at = response.indexOf('the refund override code');
    const middle = at + 'the refund override code'.length / 2;
    const start = Math.round(middle - 750);
    expect(appendix).toContain(`<div class="excerpt-text">${response.slice(start, start + 1500)}</div>`);
    expect(appendix).toContain('the refund override code is 7781');
    expect(appendix).toContain(
      `<div class="excerpt-cut">… ${start.toLocaleString('en-US')} characters cut before …</div>`,
    );
    const after = response.length - start - 1500;
    expect(appendix).toContain(
      `<div class="excerpt-cut">… ${after.toLocaleString('en-US')} characters cut after</div>`,
    );
    expect(appendix).toContain('centred on the longest run of the attack goal’s words found in it]');
  });

  it('when both excerpts are truncated, then each states the length and the sha256 of its whole masked text', () => {
    const prompt = 'Ä'.repeat(1600) + '<script>alert(1)</script> END-OF-PROMPT';
    const response = 'r'.repeat(2000) + '😀';
    const row = buildRow({
      evidence: { prompt, response, findingId: 'fnd_2026_evidence000001', redactions: noRedactions() },
    });
    const out = render(buildReportModelFixture({ rows: [row] }));
    const digestOf = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');
    const appendix = section(out, 'Appendix A&ensp;Evidence');
    for (const text of [prompt, response]) {
      expect(appendix).toContain(
        `Full masked text: ${text.length.toLocaleString('en-US')} characters, sha256 <span class="mono">${digestOf(text)}</span>`,
      );
    }
    expect(count(appendix, '[excerpt:')).toBe(2);
    expect(count(appendix, 'Full masked text:')).toBe(2);
  });

  it('when a row’s evidence had data masked, then each excerpt says what was masked in it and the scanner’s record too', () => {
    const row = buildRow({
      evidence: {
        prompt: 'Mail [redacted:email] and [redacted:email]',
        response: 'Call [redacted:phone]',
        findingId: 'fnd_2026_evidence000001',
        scan: { plugin: 'pii:direct', goal: 'get [redacted:payment_card]' },
        redactions: {
          prompt: [{ kind: 'email', count: 2 }],
          response: [{ kind: 'phone', count: 1 }],
          scan: [{ kind: 'payment_card', count: 1 }],
        },
      },
    });
    const appendix = section(render(buildReportModelFixture({ rows: [row] })), 'Appendix A&ensp;Evidence');
    expect(appendix).toContain(
      '<div class="excerpt-text">Mail [redacted:email] and [redacted:email]</div> <div class="excerpt-masks">masked: 2 e-mail addresses</div>',
    );
    expect(appendix).toContain(
      '<div class="excerpt-text">Call [redacted:phone]</div> <div class="excerpt-masks">masked: 1 phone number</div>',
    );
    expect(appendix).toContain("Masked in the scanner's record: 1 payment card number");
    expect(count(appendix, 'masked: ')).toBe(2);
  });

  it('when an excerpt fits, then no digest is printed for it', () => {
    const row = buildRow({
      evidence: {
        prompt: 'short prompt',
        response: 'short answer',
        findingId: 'fnd_2026_evidence000001',
        redactions: noRedactions(),
      },
    });
    const out = render(buildReportModelFixture({ rows: [row] }));
    expect(out).not.toContain('Full masked text:');
    expect(out).not.toContain('characters cut');
    expect(out).not.toContain('masked: ');
  });

  it('when a row’s evidence carries the scanner’s verdict, then the appendix prints it, escaped, beside the finding it came from', () => {
    const row = buildRow({
      evidence: {
        prompt: 'p',
        response: 'r',
        findingId: 'fnd_k2m4n6p8q0r2s4t6v8w0',
        scan: {
          probe: 'latentinjection.LatentInjectionReport',
          detectors: [
            { detector: 'base.TriggerListDetector', score: 1 },
            { detector: 'judge.ModelAsJudge', score: 0.8333 },
          ],
          threshold: 0.5,
          goal: 'subvert a report <script>alert(1)</script>',
          graderReason: 'It "obeyed" the <b>hidden</b> note',
        },
        redactions: noRedactions(),
      },
    });
    const appendix = section(render(buildReportModelFixture({ rows: [row] })), 'Appendix A&ensp;Evidence');
    expect(appendix).toContain('Evidence from finding <span class="mono">fnd_k2m4n6p8q0r2s4t6v8w0</span>');
    expect(appendix).toContain('<dt>Probe</dt><dd class="mono">latentinjection.LatentInjectionReport</dd>');
    expect(appendix).toContain(
      '<dt>Detectors</dt><dd class="mono">base.TriggerListDetector 1, judge.ModelAsJudge 0.833 (a hit at 0.5 or more)</dd>',
    );
    expect(appendix).toContain('<dt>Goal</dt><dd>subvert a report &lt;script&gt;alert(1)&lt;/script&gt;</dd>');
    expect(appendix).toContain('<dd>It &quot;obeyed&quot; the &lt;b&gt;hidden&lt;/b&gt; note</dd>');
    expect(appendix).not.toContain('<script>');
  });

  it('when a row’s evidence has no scanner verdict (a finding sent through the API), then only its finding is named', () => {
    const row = buildRow({
      evidence: { prompt: 'p', response: 'r', findingId: 'fnd_2026_apisentfinding', redactions: noRedactions() },
    });
    const appendix = section(render(buildReportModelFixture({ rows: [row] })), 'Appendix A&ensp;Evidence');
    expect(appendix).toContain('Evidence from finding <span class="mono">fnd_2026_apisentfinding</span>');
    expect(appendix).not.toContain('scan-facts');
  });

  it('when timestamps carry offsets, then they print as UTC', () => {
    const row = buildRow({ firstSeen: '2026-06-30T23:30:00-05:00', lastSeen: '2026-07-01T01:05:00+02:00' });
    const out = render(buildReportModelFixture({ rows: [row], report: { generatedAt: '2026-07-02T00:30:00+01:00' } }));
    expect(out).toContain('<td class="date">2026-07-01</td>');
    expect(out).toContain('<td class="date">2026-06-30</td>');
    expect(out).toContain('2026-07-01 23:30 UTC');
  });

  it('when severities have different counts, then the bars scale to the largest', () => {
    const rows = [
      buildRow({ ref: 'R001', severity: 'critical' }),
      ...['R002', 'R003', 'R004', 'R005'].map((ref) => buildRow({ ref, severity: 'high' })),
    ];
    const out = render(buildReportModelFixture({ rows }));
    expect(barWidth(out, 'sev-high')).toBe(100);
    expect(barWidth(out, 'sev-critical')).toBe(25);
    expect(barWidth(out, 'sev-low')).toBe(0);
  });

  it('when a field the templates read is missing, then rendering fails with template_failed instead of printing a blank', () => {
    const broken = buildReportModelFixture();
    delete (broken.report as Partial<ReportModel['report']>).tenantName;
    expect(thrownBy(() => render(broken))).toMatchObject({
      code: 'template_failed',
      message: expect.stringMatching(/^template partials\/cover\.hbs \(in report\.hbs\) .*"tenantName" not defined/),
    });
  });
});

describe('integrity page', () => {
  const model = buildReportModelFixture();
  const integrity = integrityFixture(model);
  const html = renderer.renderReportHtml(model, integrity);
  const page = (out: string) => section(out, 'Integrity and verification');

  it('when rendered, then it is the last section, starts on its own page and has its own heading', () => {
    const heading = html.indexOf('<h2>Integrity and verification</h2>');
    expect(heading).toBeGreaterThan(html.indexOf('<h2>Appendix B&ensp;Cross-framework mapping</h2>'));
    expect(html.lastIndexOf('<h2>')).toBe(heading);
    expect(html).toContain('<section class="section integrity" id="sec-integrity">');
    expect(html.slice(html.indexOf('<section class="section integrity" id="sec-integrity">'))).toMatch(
      /^[\s\S]*<\/section>\s*<\/body>/,
    );
  });

  it('when rendered, then it prints the report id, tenant, generation time, digest, signer, key id and key address', () => {
    const out = page(html);
    expect(out).toContain(`<th scope="row">Report ID</th><td class="mono">${model.report.id}</td>`);
    expect(out).toContain(`${esc(model.report.tenantName)} <span class="mono muted">(${model.report.tenantId})</span>`);
    expect(out).toContain('<th scope="row">Generated at</th><td>2026-07-01 09:13 UTC</td>');
    expect(out).toContain(`<div class="mono digest">${integrity.contentDigest}</div>`);
    expect(out).toContain(`<th scope="row">Signer</th><td>${esc(integrity.signer)}</td>`);
    expect(out).toContain(`<th scope="row">Signing key ID</th><td class="mono">${integrity.keyId}</td>`);
    expect(out).toContain(`<th scope="row">Published keys</th><td class="mono">${integrity.jwksUrl}</td>`);
  });

  it('when rendered, then it says how to verify: signature, published certificate, the verify command, metadata', () => {
    const out = page(html);
    expect(out).toContain('<h3>How to verify</h3>');
    expect(out).toContain('embedded PKCS#7 (CMS) signature covering the whole file');
    expect(out).toContain('<span class="mono cmd">pdfsig &lt;file&gt;</span> (poppler)');
    expect(out).toContain('Changing a single byte of the file makes the signature invalid.');
    expect(out).toContain(
      `key ID <span class="mono">${integrity.keyId}</span> at <span class="mono">${integrity.jwksUrl}</span>`,
    );
    expect(out).toContain('<span class="mono">x5c</span>');
    expect(out).toContain(`<div class="mono cmd-line">cli verify &lt;file&gt; --jwks ${integrity.jwksUrl}</div>`);
    for (const key of ['ReportId', 'TenantId', 'SchemaVersion', 'ContentDigest']) {
      expect(out).toContain(`<span class="mono">${key}</span>`);
    }
  });

  it('when the signer, key id and key address hold markup, then every one prints escaped wherever it appears', () => {
    const hostileFacts = integrityFixture(model, {
      signer: 'CN=<script>alert(1)</script>, O="><img src=x onerror=alert(2)>',
      keyId: "pdf-'><svg onload=alert(3)>",
      jwksUrl: 'javascript:alert(4)//"><iframe src="http://attacker.example/f"></iframe>&x=1',
    });
    const attacked = renderer.renderReportHtml(hostile(model), hostileFacts);
    const out = page(attacked);
    expect(out).toContain(`<td>${esc(hostileFacts.signer)}</td>`);
    expect(count(out, esc(hostileFacts.keyId))).toBe(2);
    expect(count(out, esc(hostileFacts.jwksUrl))).toBe(3);
    expect(out).toContain(`<td class="mono">${esc(`${model.report.id} ${PAYLOAD}`)}</td>`);
    expect(out).toContain(esc(`${model.report.tenantName} ${PAYLOAD}`));
    expect(out).not.toMatch(/<(script|img|iframe|svg|meta|link|object)/i);
    expect(out).not.toMatch(/\s(src|href|onerror|onload)\s*=/i);
    for (const needle of DANGEROUS) {
      expect({ needle, count: count(attacked, needle) }).toEqual({ needle, count: count(html, needle) });
    }
  });

  it('when the digest is not SHA-256 hex or a fact is empty, then rendering fails instead of printing it', () => {
    expect(() => renderer.renderReportHtml(model, { ...integrity, contentDigest: 'abc' })).toThrow(
      /contentDigest must be a SHA-256 digest/,
    );
    expect(() => renderer.renderReportHtml(model, { ...integrity, contentDigest: `${'0'.repeat(64)}<b>` })).toThrow(
      /contentDigest/,
    );
    expect(() => renderer.renderReportHtml(model, { ...integrity, keyId: ' ' })).toThrow(/integrity\.keyId/);
    const { jwksUrl: _dropped, ...missing } = integrity;
    expect(() => renderer.renderReportHtml(model, missing as never)).toThrow(/integrity\.jwksUrl/);
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

/** What a call throws; fails the test if it throws nothing. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw');
}

/** A renderer over a copy of the templates with one file edited; the copy is removed afterwards. */
function withEditedTemplate<T>(file: string, edit: (source: string) => string, use: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'templates-'));
  try {
    cpSync(TEMPLATES_DIR, dir, { recursive: true });
    const source = readFileSync(path.join(dir, file), 'utf8');
    const edited = edit(source);
    expect(edited).not.toBe(source);
    writeFileSync(path.join(dir, file), edited);
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('templates that fail on the report data', () => {
  const model = buildReportModelFixture();

  it('when a partial names a field the data lacks, then rendering throws AppError template_failed naming the partial, its template and the Handlebars error', () => {
    const err = withEditedTemplate(
      'partials/summary.hbs',
      (source) => source.replace('{{summary.rows}}', '{{summary.rowz}}'),
      (dir) => thrownBy(() => createHtmlRenderer(dir).renderReportHtml(model, integrityFixture(model))),
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: 'template_failed',
      message: expect.stringMatching(
        /^template partials\/summary\.hbs \(in report\.hbs\) failed on this report's data: "rowz" not defined in .* - \d+:\d+$/,
      ),
      cause: expect.any(Handlebars.Exception),
    });
  });

  it('when a template fails, then its error crosses the activity boundary as a non-retryable template_failed', () => {
    const err = withEditedTemplate(
      'report.hbs',
      (source) => source.replace('{{> summary}}', '{{> summary}}{{report.titel}}'),
      (dir) => thrownBy(() => createHtmlRenderer(dir).renderReportHtml(model, integrityFixture(model))),
    );
    expect((err as Error).message).toMatch(/^template report\.hbs failed on this report's data: "titel" not defined/);
    const failure = toActivityFailure(err);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'template_failed', nonRetryable: true });
  });

  it('when a helper throws on the data, then that too is template_failed, naming the template', () => {
    const broken = buildReportModelFixture();
    delete (broken.report as Partial<ReportModel['report']>).tenantName;
    // The header passes the missing name to its truncate helper, which fails on it.
    const err = thrownBy(() => renderer.headerTemplate(broken));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: 'template_failed',
      message: expect.stringMatching(/^template header\.hbs failed on this report's data: \S/),
      cause: expect.any(TypeError),
    });
  });

  it('when the footer template fails, then template_failed names footer.hbs', () => {
    const err = withEditedTemplate(
      'footer.hbs',
      (source) => `{{report.idz}}${source}`,
      (dir) => thrownBy(() => createHtmlRenderer(dir).footerTemplate(model)),
    );
    expect(err).toMatchObject({
      code: 'template_failed',
      message: expect.stringMatching(/^template footer\.hbs failed on this report's data: "idz" not defined/),
    });
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

  it('when evidence holds control or bidirectional formatting characters, then the excerpt prints them visibly and keeps its layout', () => {
    const evidence: RowEvidence = {
      prompt: 'p',
      response: 'PT \u202Efdp.exe\u202C\nbell\u0007 nul\u0000\tend',
      findingId: 'fnd_2026_evidence000002',
      redactions: noRedactions(),
    };
    const cut = evidenceExcerpt(evidence, 'response');
    expect(cut.text).toBe('PT ⟨U+202E⟩fdp.exe⟨U+202C⟩\nbell⟨U+0007⟩ nul⟨U+0000⟩\tend');
    // The counts are of the evidence as stored.
    expect(cut.total).toBe(String(evidence.response.length));
  });

  it('when an excerpt’s window would start or end inside a mask, then the mask is left out whole', () => {
    const evidence = (response: string, goal?: string): RowEvidence => ({
      prompt: 'p',
      response,
      findingId: 'fnd_2026_evidence000001',
      ...(goal !== undefined ? { scan: { goal } } : {}),
      redactions: noRedactions(),
    });
    const tail = 'a'.repeat(1495) + '[redacted:email]' + 'b'.repeat(100);
    expect(evidenceExcerpt(evidence(tail), 'response')).toMatchObject({
      text: 'a'.repeat(1495),
      cutBefore: '',
      cutAfter: '116',
      placement: 'from the start',
    });
    const head = `${'x '.repeat(50)}[redacted:email]refund override code${' y'.repeat(50)}`;
    const cut = evidenceExcerpt(evidence(head, 'the refund override code'), 'response', 30);
    expect(cut.text.startsWith('refund override code')).toBe(true);
    expect(cut.text).not.toContain('redacted');
    expect(cut.cutBefore).toBe(String(head.indexOf('refund')));
    expect(cut.placement).toBe('centred on the longest run of the attack goal’s words found in it');
  });

  it('when masks are counted, then the label names each kind with its count, and an unknown kind as given', () => {
    expect(
      masksLabel([
        { kind: 'email', count: 2 },
        { kind: 'phone', count: 1 },
        { kind: 'payment_card', count: 1234 },
      ]),
    ).toBe('2 e-mail addresses, 1 phone number, 1,234 payment card numbers');
    expect(masksLabel([{ kind: '<b>postcode</b>' as RedactionKind, count: 1 }])).toBe('1 <b>postcode</b>');
    expect(masksLabel([])).toBe('');
  });

  it('when a date cannot be parsed, then it comes back as given', () => {
    expect(formatUtcDate('not a date')).toBe('not a date');
    expect(formatUtcDateTime('2026-13-45')).toBe('2026-13-45');
    expect(formatUtcDate('2026-04-01')).toBe('2026-04-01');
  });

  it('when refs run consecutively, then they fold into ranges, and refs of another shape are kept as given', () => {
    expect(refRanges(['R001', 'R002', 'R003', 'R005', 'R007', 'R008'])).toBe('R001–R003, R005, R007–R008');
    expect(refRanges(['R009', 'R010', 'x<y', 'R011'])).toBe('R009–R010, x<y, R011');
    expect(refRanges(['R99', 'R100'])).toBe('R99, R100');
    expect(refRanges([])).toBe('');
  });

  it('when refs are split into parts for links, then only the report’s own references are linkable', () => {
    expect(refRangeParts(['R001', 'R002', 'x<y', 'R004'])).toEqual([
      { first: 'R001', last: 'R002', linked: true },
      { first: 'x<y', linked: false },
      { first: 'R004', linked: true },
    ]);
  });

  it('when a control is derived by several groups, then each group is named once and judgement (ours or a vendor’s) is marked', () => {
    expect(
      derivationLabel([
        { group: 'X01', basis: 'NIST-TEXT', reason: 'a' },
        { group: 'X01', basis: 'J', reason: 'b' },
        { group: 'X04', basis: 'PF', reason: 'c' },
      ]),
    ).toBe('X01 (J), X04 (J)');
    expect(derivationLabel([])).toBe('');
  });

  it('when a title is long, then it is cut at a word and ends with an ellipsis', () => {
    expect(shortTitle('Prompt Injection')).toBe('Prompt Injection');
    const long = 'Implement systems to continually monitor and track the outcomes of human-GAI configurations for ever';
    const cut = shortTitle(long);
    expect(cut.length).toBeLessThanOrEqual(80);
    expect(cut).toBe('Implement systems to continually monitor and track the outcomes of human-GAI…');
    expect(shortTitle('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('when text is hashed, then the digest is the sha256 of its UTF-8 bytes', () => {
    const text = 'Grüße 😀 <b>';
    expect(sha256Hex(text)).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('when a severity is unknown, then its class is neutral', () => {
    expect(severityClass('critical')).toBe('sev-critical');
    expect(severityClass('critical" x="')).toBe('sev-unknown');
  });
});
