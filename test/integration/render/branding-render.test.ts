/**
 * A tenant's branding printed by the real templates and Chromium: hostile text as text on the cover, in the header
 * and footer; the logo embedded from its data: URI as an image while every network request stays blocked; and the
 * accent colour drawn on the page.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { validateBranding } from '../../../src/domain/branding';
import type { ReportModel } from '../../../src/domain/report-model';
import { ChromiumPdfRenderer } from '../../../src/infra/render/chromium-pdf-renderer';
import { createHtmlRenderer } from '../../../src/infra/render/html-renderer';
import { pngImage } from '../../fixtures/images';
import { buildReportModelFixture, integrityFixture } from '../../fixtures/report-model';

jest.setTimeout(120_000);

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const html = createHtmlRenderer(path.resolve(__dirname, '../../../templates'));
const workDir = mkdtempSync(path.join(os.tmpdir(), 'branding-render-'));
const renderer = new ChromiumPdfRenderer({ executablePath: CHROMIUM_PATH });

const ACCENT: [number, number, number] = [0xd9, 0x1a, 0x8c];
const LOGO = pngImage(90, 30, [0x10, 0x80, 0x20]);
const HOSTILE = {
  organisation_name: '<script>alert(1)</script> Contoso',
  confidentiality: '</style><i>Board eyes only</i>',
  cover_text: "{{@root.report.id}} javascript:alert('x')\n{{{@stylesheet}}} </p><img src=x>",
};

function branded(extra: Record<string, unknown> = {}): ReportModel {
  const branding = validateBranding({
    ...HOSTILE,
    accent_colour: `#${ACCENT.map((c) => c.toString(16).padStart(2, '0')).join('')}`,
    logo: { content_type: 'image/png', data_base64: LOGO.toString('base64') },
    ...extra,
  });
  return buildReportModelFixture({ rowCount: 3, branding });
}

async function render(model: ReportModel): Promise<Buffer> {
  return renderer.renderPdf(html.renderReportHtml(model, integrityFixture(model)), {
    headerTemplate: html.headerTemplate(model),
    footerTemplate: html.footerTemplate(model),
    timeoutMs: 60_000,
    title: model.report.title,
  });
}

let count = 0;
function saved(pdf: Buffer): string {
  const file = path.join(workDir, `doc-${++count}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

function textOf(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', saved(pdf), '-'], { encoding: 'utf8' });
}

/** The images the PDF embeds (image XObjects), by size, as poppler's pdfimages lists them. */
function imagesOf(pdf: Buffer): { width: number; height: number }[] {
  const out = execFileSync('pdfimages', ['-list', saved(pdf)], { encoding: 'utf8' });
  return out
    .split('\n')
    .slice(2)
    .map((l) => l.trim().split(/\s+/))
    .filter((cols) => cols[2] === 'image')
    .map((cols) => ({ width: Number(cols[3]), height: Number(cols[4]) }));
}

/** How many pixels of the first page, rasterised by poppler at 40 dpi, are (nearly) the given colour. */
function pixelsOf(pdf: Buffer, [r, g, b]: [number, number, number]): number {
  const prefix = path.join(workDir, `page-${++count}`);
  execFileSync('pdftoppm', ['-r', '40', '-f', '1', '-l', '1', '-singlefile', saved(pdf), prefix]);
  const ppm = readFileSync(`${prefix}.ppm`);
  // P6 header: magic, width, height, maxval, each followed by whitespace.
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(ppm.subarray(0, 40).toString('latin1'));
  if (!header) throw new Error('pdftoppm did not write a binary PPM');
  let found = 0;
  for (let at = header[0].length; at + 2 < ppm.length; at += 3) {
    if (Math.abs(ppm[at] - r) < 12 && Math.abs(ppm[at + 1] - g) < 12 && Math.abs(ppm[at + 2] - b) < 12) found++;
  }
  return found;
}

afterAll(async () => {
  await renderer.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('a branded report', () => {
  it('when the branding holds markup, template syntax and a javascript: string, then each prints literally on the cover and on every page', async () => {
    const model = branded();
    const text = textOf(await render(model));
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('Prepared for <script>alert(1)</script> Contoso');
    expect(flat).toContain("{{@root.report.id}} javascript:alert('x')");
    expect(flat).toContain('{{{@stylesheet}}} </p><img src=x>');
    const pages = text.split('\f').filter((p) => p.trim() !== '');
    expect(pages.length).toBeGreaterThan(3);
    for (const page of pages) {
      const onPage = page.replace(/\s+/g, ' ');
      expect(onPage).toContain('</style><i>Board eyes only</i>');
      expect(onPage).toContain('<script>alert(1)</script> Contoso');
    }
    // Nothing of the stylesheet leaked into the text: the triple-stash in the cover text stayed text.
    expect(flat).not.toContain('--accent');
  });

  it('when the branding has a logo and an accent colour, then the logo is an embedded image and the colour is drawn; without branding neither is', async () => {
    const pdf = await render(branded());
    expect(imagesOf(pdf)).toEqual([{ width: 90, height: 30 }]);
    expect(pixelsOf(pdf, ACCENT)).toBeGreaterThan(20);
    expect(pixelsOf(pdf, [0x10, 0x80, 0x20])).toBeGreaterThan(20);

    const plain = await render(buildReportModelFixture({ rowCount: 3 }));
    expect(imagesOf(plain)).toEqual([]);
    expect(pixelsOf(plain, ACCENT)).toBe(0);
    expect(textOf(plain).replace(/\s+/g, ' ')).toContain('Prepared for Northwind Insurance plc');
  });

  it('when a staged model carries a logo that is not an image, then the render refuses it as a template failure', () => {
    const model = branded();
    const bad = {
      ...model,
      branding: {
        ...model.branding!,
        logo: { ...model.branding!.logo!, dataBase64: Buffer.from('<svg/>').toString('base64') },
      },
    };
    expect(() => html.renderReportHtml(bad, integrityFixture(bad))).toThrow(
      expect.objectContaining({ code: 'template_failed' }),
    );
  });
});

describe('the renderer with data: images', () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'image/png');
      res.end(pngImage(50, 50));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('when a page holds a data: image and network images, then only the data: image is embedded and no request is made', async () => {
    const page = `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
      <img src="data:image/png;base64,${LOGO.toString('base64')}">
      <img src="${base}/logo.png">
      <div style="background:url(${base}/bg.png);width:50px;height:50px"></div>
      </body></html>`;
    const pdf = await renderer.renderPdf(page, {
      headerTemplate: `<span><img src="${base}/header.png"></span>`,
      footerTemplate: '<span></span>',
      timeoutMs: 60_000,
      title: 'data',
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hits).toEqual([]);
    const images = imagesOf(pdf);
    expect(images).toContainEqual({ width: 90, height: 30 });
    // What the loopback server would have served; a blocked <img> prints only Chromium's small broken-image icon.
    expect(images).not.toContainEqual({ width: 50, height: 50 });
  });
});
