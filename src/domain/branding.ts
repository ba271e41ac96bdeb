import { createHash } from 'node:crypto';
import { LOGO_CONTENT_TYPES, NotAnImage, readImageHeader, type LogoContentType } from './image-header';
import { invalid, isPlainObject, rejectUnknownFields, shown } from './validation';

/** The tenant's logo: bytes that were read as a PNG or JPEG of the declared type, with what reading them found. */
export interface BrandingLogo {
  contentType: LogoContentType;
  /** The image, base64 (RFC 4648, with padding), as the report prints it in a data: URI. */
  dataBase64: string;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
}

/** How a tenant's reports present it: its name, colour, confidentiality wording, cover text and logo. Data only;
 * the templates decide where each goes, and a tenant cannot give them HTML or CSS. */
export interface Branding {
  organisationName?: string;
  /** `#RRGGBB`, lower case. */
  accentColour?: string;
  confidentiality?: string;
  coverText?: string;
  logo?: BrandingLogo;
  updatedAt?: string;
  updatedBy?: string;
}

/** The branding as the API sends and receives it (`PUT /tenant/branding`, snake_case), and as it is stored. */
export interface WireBranding {
  organisation_name?: string;
  accent_colour?: string;
  confidentiality?: string;
  cover_text?: string;
  logo?: { content_type: LogoContentType; data_base64: string };
  updated_at?: string;
  updated_by?: string;
}

export const MAX_ORGANISATION_NAME = 120;
export const MAX_CONFIDENTIALITY = 200;
export const MAX_COVER_TEXT = 1000;
export const MAX_LOGO_BYTES = 256 * 1024;
export const MAX_LOGO_PIXELS = 2000;
/** Most base64 characters a logo of {@link MAX_LOGO_BYTES} takes. */
export const MAX_LOGO_BASE64 = Math.ceil(MAX_LOGO_BYTES / 3) * 4;
/** The largest body `PUT /tenant/branding` can need: the logo in base64 (4 bytes for 3) and the texts with room for
 * JSON escapes. Larger than the API's usual body limit, which is sized for settings without an image. */
export const BRANDING_BODY_LIMIT_BYTES = MAX_LOGO_BASE64 + 64 * 1024;

const BODY_FIELDS = ['organisation_name', 'accent_colour', 'confidentiality', 'cover_text', 'logo'];
const LOGO_FIELDS = ['content_type', 'data_base64'];
const COLOUR = /^#[0-9a-fA-F]{6}$/;
/** Strict base64: the standard alphabet, padded, no line breaks. */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators, bidirectional overrides and isolates
 * (which can make printed text read differently from what it says), and lone surrogates. */
const FORBIDDEN_CHARACTERS =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** The cover text may run over lines (LF or CRLF, stored as LF); nothing else may break one. */
const COVER_TEXT_FORBIDDEN = new RegExp(
  FORBIDDEN_CHARACTERS.source.replace('\\u0000-\\u001f', '\\u0000-\\u0009\\u000b\\u000c\\u000e-\\u001f'),
);

/** Whether a colour is one the templates may insert into a style: `#RRGGBB` and nothing else. The templates' helper
 * checks again before printing, so a stored value that went wrong cannot become CSS. */
export function isAccentColour(value: unknown): value is string {
  return typeof value === 'string' && COLOUR.test(value);
}

function parseText(value: unknown, field: string, max: number, forbidden: RegExp): string {
  if (typeof value !== 'string') throw invalid(field, `must be a string of at most ${max} characters`);
  const text = value.trim();
  if (text === '') throw invalid(field, 'must not be empty; leave the field out to use the default');
  const at = forbidden.exec(text);
  if (at) {
    const code = at[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw invalid(
      field,
      `holds the control or formatting character U+${code} at ${at.index}; only printable text is allowed`,
    );
  }
  // Counted in code points, as a person counts characters.
  const length = [...text].length;
  if (length > max) throw invalid(field, `is ${length} characters long; at most ${max} are allowed`);
  return text;
}

function parseLogo(value: unknown): BrandingLogo {
  const allowed = `an object {content_type, data_base64} with content_type one of ${LOGO_CONTENT_TYPES.join(', ')}`;
  if (!isPlainObject(value)) throw invalid('logo', `must be ${allowed}`);
  rejectUnknownFields(value, LOGO_FIELDS, 'logo');
  const declared = value.content_type;
  if (typeof declared !== 'string' || !(LOGO_CONTENT_TYPES as readonly string[]).includes(declared)) {
    throw invalid(
      'logo.content_type',
      `${declared === undefined ? 'is required' : `${shown(declared)} is not allowed`}; use one of ${LOGO_CONTENT_TYPES.join(', ')} (SVG and other formats are refused)`,
    );
  }
  const data = value.data_base64;
  if (typeof data !== 'string' || data === '') throw invalid('logo.data_base64', 'is required: the image as base64');
  // Checked before decoding: Node's decoder skips what it does not understand, and would read garbage as an image.
  if (data.length > MAX_LOGO_BASE64) {
    throw invalid('logo.data_base64', `decodes to more than ${MAX_LOGO_BYTES} bytes (256 KiB); use a smaller image`);
  }
  if (!BASE64.test(data)) {
    throw invalid('logo.data_base64', 'is not base64 (A–Z, a–z, 0–9, + and /, padded with =, without line breaks)');
  }
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > MAX_LOGO_BYTES) {
    throw invalid(
      'logo.data_base64',
      `decodes to ${bytes.length} bytes; at most ${MAX_LOGO_BYTES} (256 KiB) are allowed`,
    );
  }
  let facts;
  try {
    facts = readImageHeader(bytes);
  } catch (err) {
    if (!(err instanceof NotAnImage)) throw err;
    throw invalid('logo.data_base64', `is not a PNG or JPEG image: ${err.message}`);
  }
  if (facts.contentType !== declared) {
    throw invalid(
      'logo.content_type',
      `is ${shown(declared)} but the image is ${facts.contentType}; declare what it is`,
    );
  }
  if (facts.width > MAX_LOGO_PIXELS || facts.height > MAX_LOGO_PIXELS) {
    throw invalid(
      'logo.data_base64',
      `is ${facts.width} × ${facts.height} pixels; at most ${MAX_LOGO_PIXELS} × ${MAX_LOGO_PIXELS} are allowed`,
    );
  }
  return {
    contentType: facts.contentType,
    dataBase64: bytes.toString('base64'),
    width: facts.width,
    height: facts.height,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

function parse(body: unknown, stored: boolean): Branding {
  if (!isPlainObject(body)) throw invalid('body', `must be a JSON object with any of ${BODY_FIELDS.join(', ')}`);
  rejectUnknownFields(body, stored ? [...BODY_FIELDS, 'updated_at', 'updated_by'] : BODY_FIELDS, '');
  const branding: Branding = {};
  if (body.organisation_name !== undefined) {
    branding.organisationName = parseText(
      body.organisation_name,
      'organisation_name',
      MAX_ORGANISATION_NAME,
      FORBIDDEN_CHARACTERS,
    );
  }
  if (body.accent_colour !== undefined) {
    if (!isAccentColour(body.accent_colour)) {
      throw invalid('accent_colour', `${shown(body.accent_colour)} is not a colour; use #RRGGBB, such as "#1f3a5f"`);
    }
    branding.accentColour = body.accent_colour.toLowerCase();
  }
  if (body.confidentiality !== undefined) {
    branding.confidentiality = parseText(
      body.confidentiality,
      'confidentiality',
      MAX_CONFIDENTIALITY,
      FORBIDDEN_CHARACTERS,
    );
  }
  if (body.cover_text !== undefined) {
    branding.coverText = parseText(body.cover_text, 'cover_text', MAX_COVER_TEXT, COVER_TEXT_FORBIDDEN).replace(
      /\r\n?/g,
      '\n',
    );
  }
  if (body.logo !== undefined) branding.logo = parseLogo(body.logo);
  if (stored) {
    if (typeof body.updated_at === 'string') branding.updatedAt = body.updated_at;
    if (typeof body.updated_by === 'string') branding.updatedBy = body.updated_by;
  }
  return branding;
}

/** Validates the body of `PUT /tenant/branding`: every field optional, unknown ones refused; texts trimmed,
 * printable and bounded; the colour `#RRGGBB`; the logo's bytes read as a PNG or JPEG of the declared type, at most
 * 256 KiB and 2000 pixels a side. Throws an {@link AppError} naming the first bad field and what it allows. */
export function validateBranding(body: unknown): Branding {
  return parse(body, false);
}

/** Reads stored branding, checking it again as a body is checked: what a report prints never skips validation. */
export function fromWireBranding(wire: unknown): Branding {
  if (isPlainObject(wire) && isPlainObject(wire.logo)) {
    const { content_type, data_base64 } = wire.logo;
    return parse({ ...wire, logo: { content_type, data_base64 } }, true);
  }
  return parse(wire, true);
}

/** The branding in its stored form, logo and all. */
export function toWireBranding(b: Branding): WireBranding {
  const wire: WireBranding = {};
  if (b.organisationName !== undefined) wire.organisation_name = b.organisationName;
  if (b.accentColour !== undefined) wire.accent_colour = b.accentColour;
  if (b.confidentiality !== undefined) wire.confidentiality = b.confidentiality;
  if (b.coverText !== undefined) wire.cover_text = b.coverText;
  if (b.logo) wire.logo = { content_type: b.logo.contentType, data_base64: b.logo.dataBase64 };
  if (b.updatedAt !== undefined) wire.updated_at = b.updatedAt;
  if (b.updatedBy !== undefined) wire.updated_by = b.updatedBy;
  return wire;
}

/** The branding as `GET /tenant/branding` answers it: the logo's facts and digest rather than its bytes, which the
 * caller sent and can send again. */
export function presentBranding(b: Branding | undefined): Record<string, unknown> {
  if (!b)
    return { branding: null, effect: 'reports show the service defaults: no logo, the default colour and wording' };
  const wire = toWireBranding(b);
  return {
    branding: {
      ...wire,
      logo: b.logo
        ? {
            content_type: b.logo.contentType,
            width: b.logo.width,
            height: b.logo.height,
            bytes: b.logo.bytes,
            sha256: b.logo.sha256,
          }
        : null,
    },
  };
}
