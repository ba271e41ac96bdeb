/**
 * Tenant branding through the API on the real stack: set, read and cleared by the tenant alone, every bad field
 * refused naming it, each change in the audit log; and a report made afterwards prints the branding as it stood
 * when its findings were collected, hostile text as text and the logo as an embedded image.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createEndpoint, createTenant, insertFindings, mintToken } from '../../src/infra/mongo/tenant-admin';
import { buildFinding } from '../fixtures/findings';
import { JPEG_16X8, SVG_LOGO, pngImage } from '../fixtures/images';
import { documentedRequest } from '../fixtures/requests';
import { startHarness, waitForReport, type Harness } from '../support/harness';
import { readPdf } from '../support/pdf';

jest.setTimeout(180_000);

const run = promisify(execFile);

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ workers: true, label: 'tenant-branding' });
});

afterAll(async () => {
  await h?.close();
});

async function tenant(
  name: string,
  scopes: ('tenant:settings' | 'reports:generate' | 'reports:read' | 'audit:read')[],
) {
  const tenantId = await createTenant(h.db, { name, auditRetentionDays: 365 });
  const endpoint = await createEndpoint(h.db, { tenantId, name: 'Support bot', description: 'chat' });
  await insertFindings(h.db, [buildFinding({ tenantId, endpointId: endpoint })]);
  const minted = await mintToken(h.db, { tenantId, scopes });
  return { tenantId, endpoint, token: minted.secret, tokenId: minted.id };
}

const ALL = ['tenant:settings', 'reports:generate', 'reports:read', 'audit:read'] as const;
const logo = pngImage(120, 40, [0x0b, 0x6e, 0x4f]);
const HOSTILE_NAME = '<script>alert(1)</script> Acme & Sons';
const HOSTILE_CONFIDENTIALITY = '</style><b>Board only</b> {{@root}}';
const HOSTILE_COVER = 'javascript:alert(document.domain)\n{{#each this}}x{{/each}} <img src=x onerror=alert(1)>';

const put = (token: string, body: unknown) => h.request('PUT', '/api/v2/tenant/branding', { token, body });
const get = (token: string) => h.request('GET', '/api/v2/tenant/branding', { token });

describe('/tenant/branding', () => {
  it('when a tenant sets, reads and clears its branding, then each answer says what is in force and another tenant is unaffected', async () => {
    const a = await tenant('Branded', [...ALL]);
    const b = await tenant('Plain', [...ALL]);
    expect((await get(a.token)).body).toEqual({
      branding: null,
      effect: 'reports show the service defaults: no logo, the default colour and wording',
    });

    const set = await put(a.token, {
      organisation_name: 'Northwind Insurance plc',
      accent_colour: '#0B6E4F',
      confidentiality: 'Strictly confidential',
      cover_text: 'For the audit committee',
      logo: { content_type: 'image/png', data_base64: logo.toString('base64') },
    });
    expect(set.status).toBe(200);
    const expected = {
      branding: {
        organisation_name: 'Northwind Insurance plc',
        accent_colour: '#0b6e4f',
        confidentiality: 'Strictly confidential',
        cover_text: 'For the audit committee',
        logo: {
          content_type: 'image/png',
          width: 120,
          height: 40,
          bytes: logo.length,
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
        updated_at: expect.any(String),
        updated_by: a.tokenId,
      },
    };
    expect(set.body).toEqual(expected);
    expect((await get(a.token)).body).toEqual(set.body);
    expect((await get(b.token)).body.branding).toBeNull();

    // A PUT replaces the whole branding: what it leaves out goes back to the default.
    const replaced = await put(a.token, {
      logo: { content_type: 'image/jpeg', data_base64: JPEG_16X8.toString('base64') },
    });
    expect(replaced.body.branding).toEqual({
      logo: { content_type: 'image/jpeg', width: 16, height: 8, bytes: JPEG_16X8.length, sha256: expect.any(String) },
      updated_at: expect.any(String),
      updated_by: a.tokenId,
    });

    const cleared = await h.request('DELETE', '/api/v2/tenant/branding', { token: a.token });
    expect(cleared.status).toBe(200);
    expect(cleared.body.branding).toBeNull();
    expect((await get(a.token)).body.branding).toBeNull();

    const events = await h.request('GET', '/api/v2/audit-events?action=tenant.branding_changed', { token: a.token });
    expect(events.body.data.map((e: { details: unknown }) => e.details)).toEqual([
      {
        from_fields: 'logo',
        from_logo_sha256: replaced.body.branding.logo.sha256,
        to_fields: 'default',
        to_logo_sha256: 'none',
      },
      {
        from_fields: 'organisation_name,accent_colour,confidentiality,cover_text,logo',
        from_logo_sha256: set.body.branding.logo.sha256,
        to_fields: 'logo',
        to_logo_sha256: replaced.body.branding.logo.sha256,
      },
      {
        from_fields: 'default',
        from_logo_sha256: 'none',
        to_fields: 'organisation_name,accent_colour,confidentiality,cover_text,logo',
        to_logo_sha256: set.body.branding.logo.sha256,
      },
    ]);
    expect(events.body.data[0]).toMatchObject({ action: 'tenant.branding_changed', actor: a.tokenId });
    const other = await h.request('GET', '/api/v2/audit-events?action=tenant.branding_changed', { token: b.token });
    expect(other.body.data).toEqual([]);
  });

  it.each([
    [
      'an SVG declared as SVG',
      'logo.content_type',
      { logo: { content_type: 'image/svg+xml', data_base64: SVG_LOGO.toString('base64') } },
      /is not allowed; use one of image\/png, image\/jpeg/,
    ],
    [
      'an SVG declared as PNG',
      'logo.data_base64',
      { logo: { content_type: 'image/png', data_base64: SVG_LOGO.toString('base64') } },
      /is not a PNG or JPEG image/,
    ],
    [
      'GIF bytes declared as PNG',
      'logo.data_base64',
      { logo: { content_type: 'image/png', data_base64: Buffer.from('GIF89a garbage').toString('base64') } },
      /is not a PNG or JPEG image/,
    ],
    [
      'a PNG 2001 pixels wide',
      'logo.data_base64',
      { logo: { content_type: 'image/png', data_base64: pngImage(2001, 2).toString('base64') } },
      /2001 × 2 pixels/,
    ],
    ['a named colour', 'accent_colour', { accent_colour: 'red' }, /use #RRGGBB/],
    ['a name of 121 characters', 'organisation_name', { organisation_name: 'x'.repeat(121) }, /at most 120/],
    ['wording holding a NUL', 'confidentiality', { confidentiality: 'a\u0000b' }, /only printable text/],
    ['cover text of 1001 characters', 'cover_text', { cover_text: 'x'.repeat(1001) }, /at most 1000/],
    ['a stylesheet field', 'stylesheet', { stylesheet: 'body{}' }, /is not a recognised field/],
  ])('when the body holds %s, then 400 invalid_request naming %s', async (_label, field, body, message) => {
    const t = await tenant('Refused', [...ALL]);
    const res = await put(t.token, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.message.startsWith(`${field}: `)).toBe(true);
    expect(res.body.error.message).toMatch(message);
    expect((await get(t.token)).body.branding).toBeNull();
  });

  it('when the largest logo allowed is sent, then it fits the route body limit; a larger one is refused naming the field', async () => {
    const t = await tenant('Big logo', [...ALL]);
    // A valid PNG padded by an ancillary chunk to exactly 256 KiB.
    const padded = pngImage(10, 10);
    const filler = 256 * 1024 - padded.length - 12;
    const text = Buffer.alloc(filler, 0x61);
    const chunk = Buffer.alloc(12 + filler);
    chunk.writeUInt32BE(filler, 0);
    chunk.write('teXt', 4, 'latin1');
    text.copy(chunk, 8);
    const { crc32 } = await import('node:zlib');
    chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + filler)), 8 + filler);
    const at = padded.length - 12;
    const big = Buffer.concat([padded.subarray(0, at), chunk, padded.subarray(at)]);
    expect(big.length).toBe(256 * 1024);
    const ok = await put(t.token, { logo: { content_type: 'image/png', data_base64: big.toString('base64') } });
    expect(ok.status).toBe(200);
    expect(ok.body.branding.logo.bytes).toBe(256 * 1024);
    const refused = await put(t.token, {
      logo: { content_type: 'image/png', data_base64: Buffer.concat([big, Buffer.alloc(3)]).toString('base64') },
    });
    expect(refused.status).toBe(400);
    // The document's length limit answers first: the base64 of a larger image does not fit in it.
    expect(refused.body.error.message).toMatch(/^logo\.data_base64: must be .* decodes to at most 262144 bytes/);
  });

  it('when the token lacks tenant:settings, then 403 missing_scope', async () => {
    const t = await tenant('No settings', ['reports:read']);
    const res = await put(t.token, { accent_colour: '#000000' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('missing_scope');
    expect((await h.request('DELETE', '/api/v2/tenant/branding', { token: t.token })).status).toBe(403);
  });

  it('when a PDF report is made with hostile branding, then the text prints literally and the logo is an embedded image; cleared, the next report has the defaults', async () => {
    const t = await tenant('Hostile', [...ALL]);
    const set = await put(t.token, {
      organisation_name: HOSTILE_NAME,
      accent_colour: '#0b6e4f',
      confidentiality: HOSTILE_CONFIDENTIALITY,
      cover_text: HOSTILE_COVER,
      logo: { content_type: 'image/png', data_base64: logo.toString('base64') },
    });
    expect(set.status).toBe(200);
    const created = await h.request('POST', '/api/v2/reports', {
      token: t.token,
      body: documentedRequest([t.endpoint], 'pdf'),
    });
    expect(created.status).toBe(202);
    expect((await waitForReport(h, created.body.id, t.token)).body.status).toBe('ready');
    const redirect = await h.request('GET', `/api/v2/reports/${created.body.id}/download`, { token: t.token });
    const pdf = Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer());

    const { text } = await readPdf(pdf);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain(`Prepared for ${HOSTILE_NAME}`);
    expect(flat).toContain('</style><b>Board only</b> {{@root}}');
    expect(flat).toContain('javascript:alert(document.domain)');
    expect(flat).toContain('{{#each this}}x{{/each}} <img src=x onerror=alert(1)>');
    // The running header and footer print on every page.
    const pages = text.split('\f').filter((p) => p.trim() !== '');
    expect(pages.length).toBeGreaterThan(2);
    for (const page of pages) expect(page.replace(/\s+/g, ' ')).toContain('Board only');

    const images = await pdfImages(pdf);
    expect(images).toContainEqual({ width: 120, height: 40 });

    // Cleared, the next report is back to the defaults: branding is read when a report's findings are collected.
    await h.request('DELETE', '/api/v2/tenant/branding', { token: t.token });
    const plain = await h.request('POST', '/api/v2/reports', {
      token: t.token,
      body: documentedRequest([t.endpoint], 'pdf'),
    });
    expect((await waitForReport(h, plain.body.id, t.token)).body.status).toBe('ready');
    const link = await h.request('GET', `/api/v2/reports/${plain.body.id}/download`, { token: t.token });
    const plainPdf = Buffer.from(await (await fetch(link.headers.get('location')!)).arrayBuffer());
    const plainText = (await readPdf(plainPdf)).text.replace(/\s+/g, ' ');
    expect(plainText).toContain('Prepared for Hostile');
    expect(plainText).not.toContain('Board only');
    expect(await pdfImages(plainPdf)).toEqual([]);
  });
});

/** The images a PDF embeds, by size, as poppler's pdfimages lists them. */
async function pdfImages(pdf: Buffer): Promise<{ width: number; height: number }[]> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdfimages-'));
  try {
    const file = path.join(dir, 'doc.pdf');
    await fs.writeFile(file, pdf);
    const { stdout } = await run('pdfimages', ['-list', file]);
    return stdout
      .split('\n')
      .slice(2)
      .filter((l) => l.trim() !== '')
      .map((l) => l.trim().split(/\s+/))
      .filter((cols) => cols[2] === 'image')
      .map((cols) => ({ width: Number(cols[3]), height: Number(cols[4]) }));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
