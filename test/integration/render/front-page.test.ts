import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import type { ReportModel } from '../../../src/domain/report-model';
import { REPORT_CONTENTS } from '../../../src/infra/render/html-renderer';
import { resolveLinks } from '../../../src/infra/signing/pdf-contents';
import { verifyPdfSignature } from '../../../src/infra/signing/pdf-signer';
import { buildReportModelFixture } from '../../fixtures/report-model';
import { renderAndSign } from '../../support/render';

jest.setTimeout(180_000);

const run = promisify(execFile);
const fold = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Each page's text, as poppler's `pdftotext -f N -l N` extracts it, with the layout kept. */
async function pagesOf(pdf: Buffer): Promise<string[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'front-page-'));
  try {
    const file = path.join(dir, 'doc.pdf');
    await fs.writeFile(file, pdf);
    const { stdout: info } = await run('pdfinfo', [file]);
    const count = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
    const pages: string[] = [];
    for (let n = 1; n <= count; n++) {
      const { stdout } = await run('pdftotext', [
        '-layout',
        '-enc',
        'UTF-8',
        '-f',
        String(n),
        '-l',
        String(n),
        file,
        '-',
      ]);
      pages.push(stdout);
    }
    return pages;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Renders and signs a model as the pipeline does. */
function renderSigned(model: ReportModel): Promise<Buffer> {
  return renderAndSign(model, 'front-page');
}

describe('the front page, contents and row links of a printed report', () => {
  let model: ReportModel;
  let pdf: Buffer;
  let pages: string[];

  beforeAll(async () => {
    const base = buildReportModelFixture({ rowCount: 40 });
    // The previous report of the scope saw every row of this one but the first two, and one weakness since gone.
    const previous = {
      ...base.frontPage.facts,
      reportId: 'rpt_2026_previous0001',
      generatedAt: '2026-04-01T09:00:00.000Z',
      from: '2026-01-01',
      to: '2026-03-31',
      weaknesses: [
        ...base.frontPage.facts.weaknesses.slice(2),
        {
          key: 'gone',
          ref: 'R007',
          severity: 'high' as const,
          title: 'Tool call without approval',
          endpointName: 'Claims triage agent',
        },
      ],
    };
    model = buildReportModelFixture({ rowCount: 40, previous });
    pdf = await renderSigned(model);
    pages = await pagesOf(pdf);
  });

  it('when printed, then the first two pages hold the conclusion and the top risks with their references, and the change since the previous report follows before the contents', () => {
    const front = fold(pages.slice(0, 2).join(' '));
    expect(front).toContain('At a glance');
    for (const sentence of model.frontPage.conclusion) expect(front).toContain(fold(sentence));
    expect(model.frontPage.topRisks.length).toBeGreaterThan(3);
    for (const risk of model.frontPage.topRisks) expect(front).toContain(risk.ref);
    const refs = model.frontPage.topRisks.map((r) => r.ref);
    const positions = refs.map((ref) => front.indexOf(` ${ref} `));
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(front).toContain('Treatment not recorded');
    // The change's detail follows on the next page, still before the contents.
    const contentsPage = pages.findIndex((p) => /^\s*Contents\s*$/m.test(p));
    const beforeContents = fold(pages.slice(0, contentsPage).join(' '));
    expect(beforeContents).toContain('Against report rpt_2026_previous0001');
    expect(beforeContents).toContain('Tool call without approval');
  });

  it('when printed, then each page number in the contents is the page its section starts on', () => {
    const contentsPage = pages.findIndex((p) => /^\s*Contents\s*$/m.test(p));
    expect(contentsPage).toBeGreaterThan(0);
    const lines = pages[contentsPage].split('\n').map(fold);
    for (const { title } of REPORT_CONTENTS) {
      const line = lines.find((l) => l.startsWith(`${title} `) && /\d+$/.test(l));
      expect({ title, line }).toEqual({ title, line: expect.stringMatching(/ \d+$/) });
      const printed = Number(/(\d+)$/.exec(line ?? '')?.[1]);
      const heading = new RegExp(`^\\s*${title.replace(/ /, '\\s+')}\\s*$`, 'm');
      const actual = pages.findIndex((p, i) => i > contentsPage && heading.test(p)) + 1;
      expect({ title, printed }).toEqual({ title, printed: actual });
    }
  });

  it('when a row reference is followed, then it opens the page of that row in the findings, and its evidence link the page of its evidence', async () => {
    const doc = await PDFDocument.load(pdf);
    const links = resolveLinks(doc);
    const toRows = links.filter((l) => l.dest.startsWith('row-'));
    const toEvidence = links.filter((l) => l.dest.startsWith('evidence-'));
    expect(toRows.length).toBeGreaterThanOrEqual(model.rows.length + model.frontPage.topRisks.length);
    expect(toEvidence.length).toBeGreaterThanOrEqual(model.rows.length + model.frontPage.topRisks.length);
    const findingsStart = pages.findIndex((p) => /^\s*5\s+Findings\s*$/m.test(p));
    const evidenceStart = pages.findIndex((p) => /^\s*Appendix A\s+Evidence\s*$/m.test(p));
    for (const link of [...toRows, ...toEvidence]) {
      const ref = link.dest.replace(/^(row|evidence)-/, '');
      const row = model.rows.find((r) => r.ref === ref);
      expect(row).toBeDefined();
      const text = fold(pages[link.target]);
      // The target page holds the row's reference, in the part of the report the link names.
      expect({ dest: link.dest, holds: new RegExp(`\\b${ref}\\b`).test(text) }).toEqual({
        dest: link.dest,
        holds: true,
      });
      const start = link.dest.startsWith('row-') ? findingsStart : evidenceStart;
      const end = link.dest.startsWith('row-') ? evidenceStart : pages.length;
      expect(link.target).toBeGreaterThanOrEqual(start);
      expect(link.target).toBeLessThan(end);
    }
    // The first top risk's link lands where that row is printed, not merely somewhere in the section.
    const first = model.frontPage.topRisks[0];
    const link = toRows.find((l) => l.dest === `row-${first.ref}` && l.page < findingsStart);
    expect(link && fold(pages[link.target])).toContain(`${first.ref} `);
  });

  it('when signed after the page numbers were written, then the signature covers the whole file', async () => {
    const check = await verifyPdfSignature(pdf);
    expect(check.valid).toBe(true);
  });
});
