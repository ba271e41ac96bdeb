import {
  BRANDING_BODY_LIMIT_BYTES,
  fromWireBranding,
  presentBranding,
  toWireBranding,
  validateBranding,
} from '../../src/domain/branding';
import { AppError } from '../../src/domain/errors';
import { NotAnImage, readImageHeader } from '../../src/domain/image-header';
import { accentColour, logoSource } from '../../src/infra/render/branding-helpers';
import { buildReportModelFixture } from '../fixtures/report-model';
import { JPEG_16X8, SVG_LOGO, jpegClaiming, pngImage } from '../fixtures/images';

const png = pngImage(40, 20);

function logo(bytes: Buffer, contentType = 'image/png'): { content_type: string; data_base64: string } {
  return { content_type: contentType, data_base64: bytes.toString('base64') };
}

/** The message of the error a body is refused with; fails the test if it is accepted. */
function refusal(body: unknown): string {
  try {
    validateBranding(body);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    expect(err.code).toBe('invalid_request');
    return err.message;
  }
  throw new Error('expected the branding to be refused');
}

function whyNotAnImage(bytes: Buffer): string {
  try {
    readImageHeader(bytes);
  } catch (err) {
    if (err instanceof NotAnImage) return err.message;
    throw err;
  }
  throw new Error('expected the bytes to be refused');
}

describe('validateBranding', () => {
  it('when every field is valid, then it returns them trimmed, the colour in lower case and the logo read from its bytes', () => {
    const b = validateBranding({
      organisation_name: '  Northwind Insurance plc ',
      accent_colour: '#1F3A5F',
      confidentiality: 'Strictly confidential: board and auditors only',
      cover_text: 'Prepared for the audit committee.\r\nSecond line.',
      logo: logo(png),
    });
    expect(b).toEqual({
      organisationName: 'Northwind Insurance plc',
      accentColour: '#1f3a5f',
      confidentiality: 'Strictly confidential: board and auditors only',
      coverText: 'Prepared for the audit committee.\nSecond line.',
      logo: {
        contentType: 'image/png',
        dataBase64: png.toString('base64'),
        width: 40,
        height: 20,
        bytes: png.length,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
  });

  it('when the body is empty, then nothing is set (every field is optional)', () => {
    expect(validateBranding({})).toEqual({});
  });

  it('when the body is not an object or names an unknown field, then it is refused naming it', () => {
    expect(refusal([])).toMatch(/^body: must be a JSON object/);
    expect(refusal({ css: 'body{}' })).toBe(
      'css: is not a recognised field; allowed: organisation_name, accent_colour, confidentiality, cover_text, logo',
    );
    expect(refusal({ updated_by: 'me' })).toMatch(/^updated_by: is not a recognised field/);
    expect(refusal({ logo: { ...logo(png), url: 'https://x' } })).toMatch(/^logo\.url: is not a recognised field/);
  });

  it.each([
    ['#1f3a5f', true],
    ['#ABCDEF', true],
    ['1f3a5f', false],
    ['#fff', false],
    ['#1f3a5f80', false],
    ['red', false],
    ['rgb(0,0,0)', false],
    ['#1f3a5g', false],
    ['#1f3a5f;}body{display:none', false],
    ['var(--x)', false],
    [' #1f3a5f', false],
    [0x1f3a5f, false],
  ])('when accent_colour is %p, then it is accepted: %p', (colour, ok) => {
    if (ok) expect(validateBranding({ accent_colour: colour }).accentColour).toBe(String(colour).toLowerCase());
    else expect(refusal({ accent_colour: colour })).toMatch(/^accent_colour: .* is not a colour; use #RRGGBB/);
  });

  it.each([
    ['organisation_name', 120],
    ['confidentiality', 200],
    ['cover_text', 1000],
  ])('when %s is longer than %i characters, then it is refused; at the limit it is kept', (field, max) => {
    expect(refusal({ [field]: 'x'.repeat(max + 1) })).toBe(
      `${field}: is ${max + 1} characters long; at most ${max} are allowed`,
    );
    // Characters, not UTF-16 units: an emoji counts once.
    expect(validateBranding({ [field]: '😀'.repeat(max) })).toBeDefined();
  });

  it.each([
    ['organisation_name', 'Acme\u0000'],
    ['organisation_name', 'Acme\nplc'],
    ['confidentiality', 'Confidential\u001b[31m'],
    ['confidentiality', 'Conf\u202eidential'],
    ['cover_text', 'Line\u0007'],
    ['cover_text', 'Lone \ud800 surrogate'],
    ['organisation_name', 'Acme\u2028plc'],
    ['organisation_name', 'Acme\u0085plc'],
  ])('when %s holds a control or formatting character (%j), then it is refused as not printable', (field, text) => {
    expect(refusal({ [field]: text })).toMatch(
      new RegExp(
        `^${field}: holds the control or formatting character U\\+[0-9A-F]{4} at \\d+; only printable text is allowed$`,
      ),
    );
  });

  it('when a text is empty, blank or not a string, then it is refused naming the field', () => {
    expect(refusal({ organisation_name: '   ' })).toBe(
      'organisation_name: must not be empty; leave the field out to use the default',
    );
    expect(refusal({ cover_text: 42 })).toBe('cover_text: must be a string of at most 1000 characters');
  });

  it('when hostile markup is sent as text, then it is kept as text (the templates escape it)', () => {
    const text = '<script>alert(1)</script></style>{{x}} javascript:alert(1)';
    expect(validateBranding({ organisation_name: text }).organisationName).toBe(text);
  });

  it('when the logo is a JPEG, then its size is read from the start-of-frame header', () => {
    expect(validateBranding({ logo: logo(JPEG_16X8, 'image/jpeg') }).logo).toMatchObject({
      contentType: 'image/jpeg',
      width: 16,
      height: 8,
    });
  });

  it('when the logo is an SVG, whatever type it declares, then it is refused naming what is allowed', () => {
    expect(refusal({ logo: logo(SVG_LOGO, 'image/svg+xml') })).toBe(
      'logo.content_type: "image/svg+xml" is not allowed; use one of image/png, image/jpeg (SVG and other formats are refused)',
    );
    expect(refusal({ logo: logo(SVG_LOGO, 'image/png') })).toBe(
      'logo.data_base64: is not a PNG or JPEG image: the bytes are neither a PNG nor a JPEG (checked by their magic bytes)',
    );
  });

  it('when the declared type is not what the bytes are, then it is refused', () => {
    expect(refusal({ logo: logo(png, 'image/jpeg') })).toBe(
      'logo.content_type: is "image/jpeg" but the image is image/png; declare what it is',
    );
  });

  it('when the logo is larger than 2000 pixels a side, then it is refused with its size', () => {
    expect(refusal({ logo: logo(pngImage(2001, 1)) })).toBe(
      'logo.data_base64: is 2001 × 1 pixels; at most 2000 × 2000 are allowed',
    );
    expect(refusal({ logo: logo(jpegClaiming(16, 2001), 'image/jpeg') })).toBe(
      'logo.data_base64: is 16 × 2001 pixels; at most 2000 × 2000 are allowed',
    );
    expect(validateBranding({ logo: logo(pngImage(2000, 1)) }).logo?.width).toBe(2000);
  });

  it('when the logo decodes to more than 256 KiB, then it is refused before it is read', () => {
    const big = Buffer.concat([png, Buffer.alloc(256 * 1024)]);
    expect(refusal({ logo: logo(big) })).toMatch(/^logo\.data_base64: decodes to more than 262144 bytes \(256 KiB\)/);
    // The largest logo allowed fits the route's own body limit.
    expect(Math.ceil((256 * 1024) / 3) * 4 + 200).toBeLessThan(BRANDING_BODY_LIMIT_BYTES);
  });

  it('when data_base64 is not base64, then it is refused rather than decoded loosely', () => {
    expect(refusal({ logo: { content_type: 'image/png', data_base64: 'iVBOR w0KGgo=' } })).toMatch(
      /^logo\.data_base64: is not base64/,
    );
    expect(
      refusal({ logo: { content_type: 'image/png', data_base64: `data:image/png;base64,${png.toString('base64')}` } }),
    ).toMatch(/^logo\.data_base64: is not base64/);
    expect(refusal({ logo: { content_type: 'image/png' } })).toBe('logo.data_base64: is required: the image as base64');
  });

  it('when content_type is missing or another image type, then it is refused naming the allowed ones', () => {
    expect(refusal({ logo: { data_base64: png.toString('base64') } })).toMatch(
      /^logo\.content_type: is required; use one of image\/png, image\/jpeg/,
    );
    expect(refusal({ logo: logo(png, 'image/gif') })).toMatch(/^logo\.content_type: "image\/gif" is not allowed/);
    expect(refusal({ logo: 'logo.png' })).toMatch(/^logo: must be an object \{content_type, data_base64\}/);
  });
});

describe('readImageHeader', () => {
  it('when given a PNG or a JPEG, then it answers its type and pixel size', () => {
    expect(readImageHeader(pngImage(7, 3))).toEqual({ contentType: 'image/png', width: 7, height: 3 });
    expect(readImageHeader(JPEG_16X8)).toEqual({ contentType: 'image/jpeg', width: 16, height: 8 });
  });

  it('when a PNG carries anything after IEND (a polyglot), then it is refused', () => {
    const polyglot = Buffer.concat([png, Buffer.from('<html><script>alert(1)</script></html>')]);
    expect(whyNotAnImage(polyglot)).toBe('the PNG has 38 bytes after its IEND chunk');
    expect(whyNotAnImage(Buffer.concat([JPEG_16X8, Buffer.from('PK\u0003\u0004')]))).toBe(
      'the JPEG has 4 bytes after its EOI marker',
    );
  });

  it('when a PNG is truncated, corrupted or only a signature, then it is refused saying why', () => {
    expect(whyNotAnImage(png.subarray(0, png.length - 12))).toBe('the PNG ends before its IEND chunk');
    expect(whyNotAnImage(png.subarray(0, 8))).toBe('the PNG ends before its IEND chunk');
    const corrupt = Buffer.from(png);
    corrupt[20] ^= 0xff;
    expect(whyNotAnImage(corrupt)).toBe("the PNG's IHDR chunk fails its CRC");
    const garbage = Buffer.concat([png.subarray(0, 8), Buffer.from('garbage garbage garbage garbage')]);
    expect(whyNotAnImage(garbage)).toMatch(/^the PNG (has a malformed chunk|'s .* chunk runs past the end)/);
  });

  it('when a JPEG is cut short or is only its magic bytes, then it is refused', () => {
    expect(whyNotAnImage(JPEG_16X8.subarray(0, JPEG_16X8.length - 2))).toMatch(/^the JPEG ends before its EOI marker$/);
    expect(whyNotAnImage(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toBe('the JPEG has no frame or no scan');
  });

  it('when the bytes are a GIF, an SVG, HTML or nothing, then they are neither PNG nor JPEG', () => {
    for (const bytes of [
      Buffer.from('GIF89a\u0001\u0000\u0001\u0000'),
      SVG_LOGO,
      Buffer.from('<html>'),
      Buffer.alloc(0),
    ]) {
      expect(whyNotAnImage(bytes)).toBe('the bytes are neither a PNG nor a JPEG (checked by their magic bytes)');
    }
  });
});

describe('stored branding', () => {
  it('when stored and read back, then it is the same branding, checked again', () => {
    const b = {
      ...validateBranding({ organisation_name: 'Acme', logo: logo(png) }),
      updatedAt: '2026-12-07T10:00:00.000Z',
      updatedBy: 'tok_1',
    };
    expect(fromWireBranding(toWireBranding(b))).toEqual(b);
    expect(() => fromWireBranding({ ...toWireBranding(b), accent_colour: 'red' })).toThrow(/accent_colour/);
  });

  it('when presented, then the logo is described by its facts and digest, not its bytes', () => {
    const b = validateBranding({ logo: logo(png) });
    expect(presentBranding(b)).toEqual({
      branding: {
        logo: { content_type: 'image/png', width: 40, height: 20, bytes: png.length, sha256: b.logo?.sha256 },
      },
    });
    expect(presentBranding(undefined)).toMatchObject({ branding: null });
  });
});

describe('branding helpers', () => {
  it('when a model has no branding, then the accent is the default and there is no logo', () => {
    const model = buildReportModelFixture();
    expect(accentColour(model)).toBe('#1f3a5f');
    expect(accentColour(model, '#c9ced6')).toBe('#c9ced6');
    expect(logoSource(model)).toBe('');
  });

  it('when a staged model carries a colour that is not #RRGGBB, then printing it as CSS is refused', () => {
    const model = buildReportModelFixture({ branding: { accentColour: 'red;}*{display:none' } });
    expect(() => accentColour(model)).toThrow('branding.accentColour is not #RRGGBB');
  });

  it('when a staged model carries a logo that is not the image it states, then it is not printed', () => {
    const svg = buildReportModelFixture({
      branding: {
        logo: {
          contentType: 'image/png',
          dataBase64: SVG_LOGO.toString('base64'),
          width: 1,
          height: 1,
          bytes: 1,
          sha256: '',
        },
      },
    });
    expect(() => logoSource(svg)).toThrow(NotAnImage);
    const svgType = buildReportModelFixture({
      branding: {
        logo: {
          contentType: 'image/svg+xml' as 'image/png',
          dataBase64: png.toString('base64'),
          width: 1,
          height: 1,
          bytes: 1,
          sha256: '',
        },
      },
    });
    expect(() => logoSource(svgType)).toThrow('is not an image type printed');
  });

  it('when a model carries a PNG logo, then it becomes a data: URI of the same bytes', () => {
    const b = validateBranding({ logo: logo(png) });
    expect(logoSource(buildReportModelFixture({ branding: b }))).toBe(
      `data:image/png;base64,${png.toString('base64')}`,
    );
  });
});
