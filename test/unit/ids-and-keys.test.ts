import { formatId, isId } from '../../src/domain/ids';
import { artifactKey, reportPrefix, stagingKey } from '../../src/domain/storage-keys';
import { newId } from '../../src/infra/ids';

describe('ids', () => {
  it('formats an id as prefix, UTC year and 16 base32 characters', () => {
    const id = formatId('rpt', new Date('2026-05-22T10:35:00Z'), new Uint8Array(16).fill(31));
    expect(id).toBe('rpt_2026_zzzzzzzzzzzzzzzz');
    expect(isId(id, 'rpt')).toBe(true);
    expect(isId(id, 'ep')).toBe(false);
  });

  it('accepts the documented example ids and refuses junk', () => {
    expect(isId('rpt_2026_def456', 'rpt')).toBe(true);
    expect(isId('ep_2026_abc123', 'ep')).toBe(true);
    for (const junk of ['rpt_2026_DEF456', 'rpt_2026_../x', 'rpt_2026_', { $ne: null }, 'rpt_26_def456']) {
      expect(isId(junk, 'rpt')).toBe(false);
    }
  });

  it('never repeats across many fresh ids', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('rpt')));
    expect(ids.size).toBe(10_000);
  });
});

describe('storage keys', () => {
  it('places every object of a report under its tenant prefix', () => {
    expect(reportPrefix('tnt_2026_aaaaaaaa', 'rpt_2026_bbbbbbbb')).toBe(
      'tenants/tnt_2026_aaaaaaaa/reports/rpt_2026_bbbbbbbb/',
    );
    expect(stagingKey('tnt_2026_aaaaaaaa', 'rpt_2026_bbbbbbbb', 'model.json')).toBe(
      'tenants/tnt_2026_aaaaaaaa/reports/rpt_2026_bbbbbbbb/staging/model.json',
    );
    expect(artifactKey('tnt_2026_aaaaaaaa', 'rpt_2026_bbbbbbbb', 'pdf')).toBe(
      'tenants/tnt_2026_aaaaaaaa/reports/rpt_2026_bbbbbbbb/artifact/rpt_2026_bbbbbbbb.pdf',
    );
  });

  it.each(['../tnt_2026_aaaaaaaa', 'tnt_2026_aaaa/../../etc', '', 'TNT_2026_AAAAAAAA'])(
    'refuses to build a key from the tenant id %p',
    (tenant) => {
      expect(() => reportPrefix(tenant, 'rpt_2026_bbbbbbbb')).toThrow(/cannot form a storage key/);
    },
  );

  it('refuses staging names that could climb out of the report', () => {
    expect(() => stagingKey('tnt_2026_aaaaaaaa', 'rpt_2026_bbbbbbbb', '../x')).toThrow(/not allowed/);
  });
});
