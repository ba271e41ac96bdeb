import { crc32 } from 'node:zlib';

/** The image types a tenant's logo may be. */
export const LOGO_CONTENT_TYPES = ['image/png', 'image/jpeg'] as const;
export type LogoContentType = (typeof LOGO_CONTENT_TYPES)[number];

/** What reading an image's own structure found: its type by its magic bytes and its size in pixels. */
export interface ImageFacts {
  contentType: LogoContentType;
  width: number;
  height: number;
}

/** Why bytes are not an image this service prints: a reason a person can act on. */
export class NotAnImage extends Error {}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_COLOUR_DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** Reads a PNG chunk by chunk: the signature, IHDR first (its width, height, bit depth and colour type valid), every
 * chunk's CRC, at least one IDAT, and IEND as the very last bytes. Walking the whole file rather than trusting its
 * first bytes refuses a polyglot: bytes after IEND (an HTML page, an archive) or a chunk that runs past the end. */
function readPng(bytes: Buffer): ImageFacts {
  let at = PNG_SIGNATURE.length;
  let width = 0;
  let height = 0;
  let idat = false;
  for (let index = 0; ; index++) {
    if (at + 12 > bytes.length) throw new NotAnImage('the PNG ends before its IEND chunk');
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const end = at + 12 + length;
    if (!/^[A-Za-z]{4}$/.test(type)) throw new NotAnImage(`the PNG has a malformed chunk at byte ${at}`);
    if (end > bytes.length) throw new NotAnImage(`the PNG's ${type} chunk runs past the end of the file`);
    const crc = bytes.readUInt32BE(end - 4);
    if (crc32(bytes.subarray(at + 4, end - 4)) !== crc) throw new NotAnImage(`the PNG's ${type} chunk fails its CRC`);
    if (index === 0) {
      if (type !== 'IHDR' || length !== 13) throw new NotAnImage('the PNG does not start with an IHDR chunk');
      width = bytes.readUInt32BE(at + 8);
      height = bytes.readUInt32BE(at + 12);
      const depth = bytes[at + 16];
      const colour = bytes[at + 17];
      if (width === 0 || height === 0) throw new NotAnImage('the PNG has no pixels');
      if (!PNG_COLOUR_DEPTHS[colour]?.includes(depth)) {
        throw new NotAnImage(`the PNG's bit depth ${depth} and colour type ${colour} are not a valid pair`);
      }
    } else if (type === 'IHDR') throw new NotAnImage('the PNG has a second IHDR chunk');
    if (type === 'IDAT') idat = true;
    at = end;
    if (type === 'IEND') break;
  }
  if (!idat) throw new NotAnImage('the PNG has no image data (IDAT)');
  if (at !== bytes.length) throw new NotAnImage(`the PNG has ${bytes.length - at} bytes after its IEND chunk`);
  return { contentType: 'image/png', width, height };
}

/** Start-of-frame markers: baseline, extended, progressive and lossless, Huffman or arithmetic coded. Not C4 (DHT),
 * C8 (reserved) or CC (DAC). */
const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Reads a JPEG marker by marker: SOI, segments each within the file, one start-of-frame (its height and width read
 * from it), entropy-coded data after each SOS, and EOI as the very last bytes, so nothing rides after the image. */
function readJpeg(bytes: Buffer): ImageFacts {
  let at = 2;
  let frame: { width: number; height: number } | undefined;
  let scans = 0;
  for (;;) {
    if (at + 2 > bytes.length) throw new NotAnImage('the JPEG ends before its EOI marker');
    if (bytes[at] !== 0xff) throw new NotAnImage(`the JPEG has no marker at byte ${at}`);
    let marker = bytes[at + 1];
    // Any number of 0xFF may pad a marker.
    while (marker === 0xff && at + 2 < bytes.length) marker = bytes[++at + 1];
    at += 2;
    if (marker === 0xd9) break;
    if (marker === 0xd8 || marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7)) {
      throw new NotAnImage(`the JPEG has a misplaced marker 0xFF${marker.toString(16).toUpperCase()}`);
    }
    if (at + 2 > bytes.length) throw new NotAnImage('the JPEG ends inside a segment');
    const length = bytes.readUInt16BE(at);
    if (length < 2 || at + length > bytes.length) throw new NotAnImage('a JPEG segment runs past the end of the file');
    if (JPEG_SOF.has(marker)) {
      if (frame) throw new NotAnImage('the JPEG has more than one frame');
      if (length < 8) throw new NotAnImage('the JPEG frame header is too short');
      frame = { height: bytes.readUInt16BE(at + 3), width: bytes.readUInt16BE(at + 5) };
      if (frame.width === 0 || frame.height === 0) throw new NotAnImage('the JPEG has no pixels (or no stated height)');
    }
    at += length;
    if (marker === 0xda) {
      if (!frame) throw new NotAnImage('the JPEG has scan data before its frame header');
      scans++;
      // Entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor a restart marker.
      while (at + 1 < bytes.length) {
        if (bytes[at] === 0xff && bytes[at + 1] !== 0x00 && !(bytes[at + 1] >= 0xd0 && bytes[at + 1] <= 0xd7)) break;
        at++;
      }
    }
  }
  if (!frame || scans === 0) throw new NotAnImage('the JPEG has no frame or no scan');
  if (at !== bytes.length) throw new NotAnImage(`the JPEG has ${bytes.length - at} bytes after its EOI marker`);
  return { contentType: 'image/jpeg', ...frame };
}

/** Reads what an image is from its own bytes, never from a name or a declared type: a PNG or a JPEG, walked from
 * its magic bytes to its last marker, and its width and height from the PNG's IHDR or the JPEG's start-of-frame.
 * Throws {@link NotAnImage} for anything else (SVG, GIF, HTML, a truncated or padded file), saying why. */
export function readImageHeader(bytes: Buffer): ImageFacts {
  if (bytes.length >= PNG_SIGNATURE.length && bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    return readPng(bytes);
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return readJpeg(bytes);
  throw new NotAnImage('the bytes are neither a PNG nor a JPEG (checked by their magic bytes)');
}
