import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument, PDFHexString, PDFName, type PDFRef } from 'pdf-lib';
import { destinationPages } from './pdf-contents';

const run = promisify(execFile);

/** A bookmark: its title and the zero-based page it opens. */
export interface OutlineEntry {
  title: string;
  page: number;
}

const fold = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Finds the page each section title first appears on, in document order, from the PDF's own text (poppler's
 * `pdftotext`). Titles not found are left out rather than pointed at a wrong page. */
export async function locateSections(pdf: Buffer, titles: readonly string[]): Promise<OutlineEntry[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'outline-'));
  try {
    const file = path.join(dir, 'doc.pdf');
    await fs.writeFile(file, pdf);
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-'], { maxBuffer: 256 * 1024 * 1024 });
    const pages = stdout.split('\f').map((p) => ` ${fold(p)} `);
    const entries: OutlineEntry[] = [];
    let from = 0;
    for (const title of titles) {
      const wanted = ` ${fold(title)} `;
      const page = pages.findIndex((text, i) => i >= from && text.includes(wanted));
      if (page < 0) continue;
      entries.push({ title, page });
      from = page;
    }
    return entries;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Finds the page of each outline entry: an entry with an anchor where the document's named destination of that
 * anchor is (exact, and the only way once a table of contents repeats the titles before their sections), the
 * others by their text ({@link locateSections}). Entries found neither way are left out. */
export async function locateOutline(
  pdf: Buffer,
  doc: PDFDocument,
  outline: readonly (string | { title: string; anchor: string })[],
): Promise<OutlineEntry[]> {
  const byText = await locateSections(
    pdf,
    outline.filter((e): e is string => typeof e === 'string'),
  );
  const textPage = new Map(byText.map((e) => [e.title, e.page]));
  const anchors = destinationPages(doc);
  const entries: OutlineEntry[] = [];
  for (const entry of outline) {
    const title = typeof entry === 'string' ? entry : entry.title;
    const page = typeof entry === 'string' ? textPage.get(entry) : anchors.get(entry.anchor);
    if (page !== undefined) entries.push({ title, page });
  }
  return entries;
}

/** Adds a flat document outline (bookmarks) to a PDF and asks viewers to show it. Chromium writes bookmarks only
 * into tagged PDFs, several times larger and slower to print; building them here costs a few objects. */
export function addOutline(doc: PDFDocument, entries: readonly OutlineEntry[]): void {
  if (entries.length === 0) return;
  const ctx = doc.context;
  const pages = doc.getPages();
  const root = ctx.nextRef();
  const refs: PDFRef[] = entries.map(() => ctx.nextRef());
  entries.forEach((entry, i) => {
    const item = ctx.obj({
      Title: PDFHexString.fromText(entry.title),
      Parent: root,
      Dest: [pages[Math.min(entry.page, pages.length - 1)].ref, 'Fit'],
      ...(i > 0 ? { Prev: refs[i - 1] } : {}),
      ...(i < refs.length - 1 ? { Next: refs[i + 1] } : {}),
    });
    ctx.assign(refs[i], item);
  });
  ctx.assign(root, ctx.obj({ Type: 'Outlines', First: refs[0], Last: refs[refs.length - 1], Count: refs.length }));
  doc.catalog.set(PDFName.of('Outlines'), root);
  doc.catalog.set(PDFName.of('PageMode'), PDFName.of('UseOutlines'));
}
