import { createHash } from 'node:crypto';
import { SEVERITIES, type Severity } from '../../../domain/severity';

/**
 * Where findings live, every document under an id the code computes (see keyed-docs.ts for why):
 *
 * - `finding_keys`: one small document per finding id, `{t, b}` (tenant, the write that stored it). Inserting it
 *   is how a write learns whether a finding is new: the unique `_id` decides, whoever else writes at the time.
 * - `finding_day_pages` and `finding_day_evidence`: a write's new findings of one tenant, endpoint and UTC day,
 *   up to {@link PAGE_MAX_ITEMS} a page, as `<tenant>/<endpoint>/<day>/<write>/<n>`: the items (everything but
 *   the evidence) and, under the same id, their evidence. A page is written once and never changed.
 * - `finding_index`: the tenant's calendar as append-only logs (append-log.ts): `<tenant>/months`, the months
 *   that hold findings, and `<tenant>/<YYYY-MM>`, an entry per write listing the pages it added that month, with
 *   what a reader needs to pick pages without opening them.
 * - `finding_writes`: a marker per write in progress, so a write cut short is finished or undone (writer.ts).
 *
 * A read of a tenant's findings opens its month list, the logs of the months in range and the pages whose
 * endpoint, day and severities match: its cost follows the tenant's own data in range, never anyone else's.
 */
export const FINDING_KEYS = 'finding_keys';
export const DAY_PAGES = 'finding_day_pages';
export const DAY_EVIDENCE = 'finding_day_evidence';
export const FINDING_INDEX = 'finding_index';
export const FINDING_WRITES = 'finding_writes';

/** At most this many findings a page, so a page is cheap to unpack and far below the document size limit. */
export const PAGE_MAX_ITEMS = 1_000;
/** A page also closes once its evidence passes this many bytes of text (long evidence), before compression. */
export const PAGE_MAX_EVIDENCE_CHARS = 8 * 1024 * 1024;

/** A page as its month's log lists it. */
export interface PageRef {
  id: string;
  /** Endpoint. */
  e: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** Findings on the page. */
  n: number;
  /** Earliest and latest detection time on the page (ISO 8601). */
  first: string;
  last: string;
  /** Severities present, a bit each in {@link SEVERITIES} order. */
  sev: number;
}

/** A registry entry: which tenant a finding id belongs to and which write stored it. */
export interface FindingKeyDoc {
  _id: string;
  t: string;
  b: string;
}

/** The UTC day of an ISO 8601 time. */
export function dayOf(iso: string): string {
  return iso.slice(0, 10);
}

/** The month (YYYY-MM) of a day or time. */
export function monthOf(dayOrIso: string): string {
  return dayOrIso.slice(0, 7);
}

/** The id of a page: the tenant, endpoint and day it holds, the write that made it and its number in that write. */
export function pageId(tenantId: string, endpointId: string, day: string, writeKey: string, n: number): string {
  return `${tenantId}/${endpointId}/${day}/${writeTag(writeKey)}/${n}`;
}

/** The short name of a write that its pages' ids carry (the fourth part), and what the weakness register knows the
 * write by: so what a write stored can be told from its pages alone. */
export function writeTag(writeKey: string): string {
  return createHash('sha256').update(writeKey).digest('hex').slice(0, 16);
}

/** The log of the months that hold a tenant's findings. */
export function monthsKey(tenantId: string): string {
  return `${tenantId}/months`;
}

/** The log of the pages of one of a tenant's months. */
export function monthKey(tenantId: string, month: string): string {
  return `${tenantId}/${month}`;
}

/** The bit of a severity in {@link PageRef.sev}. */
export function severityBit(s: Severity): number {
  return 1 << SEVERITIES.indexOf(s);
}

/** The bits of a set of severities. */
export function severityMask(severities: readonly Severity[]): number {
  return severities.reduce((mask, s) => mask | severityBit(s), 0);
}
