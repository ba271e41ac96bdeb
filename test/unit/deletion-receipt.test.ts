import { loadConfig } from '../../src/config';
import {
  PURGED_RECORD_KINDS,
  buildDeletionReceipt,
  purgeAfter,
  type DeletionReceiptFacts,
} from '../../src/domain/offboarding';

const facts = (overrides: Partial<DeletionReceiptFacts> = {}): DeletionReceiptFacts => ({
  tenant: { id: 'tnt_2026_aaaaaaaaaaaaaaaa', name: 'Example Corp', createdAt: new Date('2026-01-02T03:04:05.000Z') },
  workflowId: 'tenant-offboarding-tnt_2026_aaaaaaaaaaaaaaaa',
  requestedBy: 'tok_2026_operator0000000',
  graceStartedAt: new Date('2026-05-01T00:00:00.000Z'),
  graceEndedAt: new Date('2026-05-31T00:00:00.000Z'),
  purgeStartedAt: new Date('2026-05-31T00:00:01.000Z'),
  purgeFinishedAt: new Date('2026-05-31T00:00:09.000Z'),
  records: { reports: 3, findings: 120, audit_events: 17 },
  objects: 9,
  artifacts: [
    {
      reportId: 'rpt_2026_bbbbbbbbbbbbbbbb',
      file: 'rpt_2026_bbbbbbbbbbbbbbbb.pdf',
      sha256: 'b'.repeat(64),
      size: 2048,
      contentType: 'application/pdf',
    },
    {
      reportId: 'rpt_2026_aaaaaaaaaaaaaaaa',
      file: 'rpt_2026_aaaaaaaaaaaaaaaa.json',
      sha256: 'a'.repeat(64),
      size: 1024,
      contentType: 'application/json',
      purgedBefore: new Date('2026-04-01T00:00:00.000Z'),
    },
  ],
  jwksUrl: 'https://evidence.example.com/.well-known/jwks.json',
  ...overrides,
});

describe('buildDeletionReceipt', () => {
  it('when a purge is described, then the receipt lists every kind, the artifacts in report order and the times', () => {
    const receipt = buildDeletionReceipt(facts());
    const zero = Object.fromEntries(PURGED_RECORD_KINDS.map((k) => [k, 0]));
    expect(receipt).toEqual({
      type: 'tenant_deletion_receipt',
      version: 1,
      tenant: { id: 'tnt_2026_aaaaaaaaaaaaaaaa', name: 'Example Corp', created_at: '2026-01-02T03:04:05.000Z' },
      workflow_id: 'tenant-offboarding-tnt_2026_aaaaaaaaaaaaaaaa',
      requested_by: 'tok_2026_operator0000000',
      grace: { started_at: '2026-05-01T00:00:00.000Z', ended_at: '2026-05-31T00:00:00.000Z' },
      purge: { started_at: '2026-05-31T00:00:01.000Z', finished_at: '2026-05-31T00:00:09.000Z' },
      counts: { ...zero, artifacts: 1, objects: 9, reports: 3, findings: 120, audit_events: 17 },
      artifacts: [
        {
          report_id: 'rpt_2026_aaaaaaaaaaaaaaaa',
          file: 'rpt_2026_aaaaaaaaaaaaaaaa.json',
          sha256: 'a'.repeat(64),
          size: 1024,
          content_type: 'application/json',
          purged_before: '2026-04-01T00:00:00.000Z',
        },
        {
          report_id: 'rpt_2026_bbbbbbbbbbbbbbbb',
          file: 'rpt_2026_bbbbbbbbbbbbbbbb.pdf',
          sha256: 'b'.repeat(64),
          size: 2048,
          content_type: 'application/pdf',
          purged_before: null,
        },
      ],
      jwks_url: 'https://evidence.example.com/.well-known/jwks.json',
    });
    // The audit log and the tokens are among the kinds purged, so the receipt accounts for them by name.
    expect(Object.keys(receipt.counts)).toEqual(
      expect.arrayContaining(['audit_events', 'audit_log_entries', 'tokens']),
    );
  });

  it('when the same facts are given twice, in any artifact order, then the receipts serialise to the same bytes', () => {
    const once = JSON.stringify(buildDeletionReceipt(facts()));
    const reordered = JSON.stringify(buildDeletionReceipt(facts({ artifacts: [...facts().artifacts].reverse() })));
    expect(reordered).toBe(once);
  });

  it('when a count is negative or fractional, then building the receipt fails naming it', () => {
    expect(() => buildDeletionReceipt(facts({ records: { reports: -1 } }))).toThrow(
      'records.reports must be a whole number of at least 0, got -1',
    );
    expect(() => buildDeletionReceipt(facts({ objects: 1.5 }))).toThrow(
      'objects must be a whole number of at least 0, got 1.5',
    );
  });
});

describe('purgeAfter', () => {
  it('when the grace period is 0 days, then the purge may begin at once; 30 days, then 30 days later', () => {
    const at = new Date('2026-05-01T10:00:00.000Z');
    expect(purgeAfter(at, 0)).toEqual(at);
    expect(purgeAfter(at, 30).toISOString()).toBe('2026-05-31T10:00:00.000Z');
  });
});

describe('OFFBOARD_GRACE_DAYS', () => {
  it('when unset, then 30; when 0, then 0', () => {
    expect(loadConfig({}, 'api').offboarding.graceDays).toBe(30);
    expect(loadConfig({ OFFBOARD_GRACE_DAYS: '0' }, 'api').offboarding.graceDays).toBe(0);
  });

  it('when negative, fractional or not a number, then the configuration is refused naming it', () => {
    for (const value of ['-1', '1.5', 'thirty', '3651']) {
      expect(() => loadConfig({ OFFBOARD_GRACE_DAYS: value }, 'api')).toThrow(
        `OFFBOARD_GRACE_DAYS must be a whole number from 0 to 3650, got "${value}"`,
      );
    }
  });
});
