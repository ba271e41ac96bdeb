import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRef, StandardFonts, rgb } from 'pdf-lib';

/** The prefix of the anchors the table of contents links to (templates/partials/contents.hbs). */
export const CONTENTS_ANCHOR_PREFIX = 'sec-';

const NUMBER_SIZE = 10;

/** A link annotation on a page and the page its named destination opens, both zero-based. */
export interface ResolvedLink {
  page: number;
  dest: string;
  target: number;
  /** [x1, y1, x2, y2] in points. */
  rect: number[];
}

/** The zero-based page of each named destination of the PDF: Chromium names one for every element id a link
 * leads to, in the catalogue's Dests. */
export function destinationPages(doc: PDFDocument): Map<string, number> {
  const targets = new Map<string, number>();
  const dests = doc.catalog.lookupMaybe(PDFName.of('Dests'), PDFDict);
  if (!dests) return targets;
  const pageOf = new Map(doc.getPages().map((p, i) => [p.ref.toString(), i]));
  for (const [name, value] of dests.entries()) {
    const dest = value instanceof PDFRef ? doc.context.lookup(value) : value;
    const first = dest instanceof PDFArray ? dest.get(0) : undefined;
    const target = first instanceof PDFRef ? pageOf.get(first.toString()) : undefined;
    if (target !== undefined) targets.set(name.decodeText(), target);
  }
  return targets;
}

/** Every link to a named destination in the PDF, with the page the destination is on. Chromium prints an
 * `<a href="#id">` as a Link annotation whose Dest names the id, and lists each id with its page in the catalogue's
 * Dests; a link whose destination is not listed is left out. */
export function resolveLinks(doc: PDFDocument): ResolvedLink[] {
  const targets = destinationPages(doc);
  if (targets.size === 0) return [];
  const pages = doc.getPages();
  const links: ResolvedLink[] = [];
  pages.forEach((page, i) => {
    const annots = page.node.Annots();
    if (!annots) return;
    for (let k = 0; k < annots.size(); k++) {
      const annot = annots.lookupMaybe(k, PDFDict);
      if (annot?.get(PDFName.of('Subtype')) !== PDFName.of('Link')) continue;
      const dest = annot.get(PDFName.of('Dest'));
      if (!(dest instanceof PDFName)) continue;
      const name = dest.decodeText();
      const target = targets.get(name);
      const rect = annot.lookupMaybe(PDFName.of('Rect'), PDFArray);
      if (target === undefined || !rect) continue;
      links.push({ page: i, dest: name, target, rect: rect.asArray().map((n) => (n as PDFNumber).asNumber()) });
    }
  });
  return links;
}

/**
 * Writes, at the right end of each entry of the table of contents, the number of the page its section starts on,
 * as the running footer counts pages (from 1). Chromium does not print CSS `target-counter()`, and printing twice
 * (once to learn the pages, once with them) would double the cost of the render; the entries' links already say
 * where each section landed, so the numbers are read from the printed document and drawn into the room the entry
 * keeps free for them. Returns how many were written.
 */
export async function numberContents(doc: PDFDocument): Promise<number> {
  const entries = resolveLinks(doc).filter((l) => l.dest.startsWith(CONTENTS_ANCHOR_PREFIX));
  if (entries.length === 0) return 0;
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const pages = doc.getPages();
  for (const entry of entries) {
    const text = String(entry.target + 1);
    const [, y1, x2, y2] = entry.rect;
    const width = font.widthOfTextAtSize(text, NUMBER_SIZE);
    const baseline = y1 + (y2 - y1 - font.heightAtSize(NUMBER_SIZE, { descender: false })) / 2;
    pages[entry.page].drawText(text, {
      x: x2 - width,
      y: baseline,
      size: NUMBER_SIZE,
      font,
      color: rgb(0.15, 0.15, 0.15),
    });
  }
  return entries.length;
}
