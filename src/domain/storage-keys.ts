import { artifactFileName, type ReportFormat } from './report';

const SEGMENT = /^[a-z]{2,4}_\d{4}_[0-9a-z]{6,40}$/;

function segment(value: string, what: string): string {
  if (!SEGMENT.test(value)) throw new Error(`${what} "${value}" cannot form a storage key`);
  return value;
}

/** The prefix under which every object of one tenant lives, `tenants/<tenant>/`: what a tenant's offboarding
 * empties. */
export function tenantPrefix(tenantId: string): string {
  return `tenants/${segment(tenantId, 'tenant id')}/`;
}

/** The prefix under which every object of one report lives: `tenants/<tenant>/reports/<report>/`. Ids are
 * checked against our id shape, so no value can climb out of its tenant's prefix. */
export function reportPrefix(tenantId: string, reportId: string): string {
  return `tenants/${segment(tenantId, 'tenant id')}/reports/${segment(reportId, 'report id')}/`;
}

/** Key of an intermediate result of the pipeline (findings snapshot, model, unsigned render). */
export function stagingKey(tenantId: string, reportId: string, name: string): string {
  if (!/^[a-z0-9][a-z0-9.-]{0,63}$/.test(name)) throw new Error(`staging name "${name}" is not allowed`);
  return `${stagingPrefix(tenantId, reportId)}${name}`;
}

/** The prefix of a report's intermediate results: `tenants/<tenant>/reports/<report>/staging/`. */
export function stagingPrefix(tenantId: string, reportId: string): string {
  return `${reportPrefix(tenantId, reportId)}staging/`;
}

/** Key of the finished artifact that downloads serve: version 1 (the draft the pipeline made) or a later one. */
export function artifactKey(tenantId: string, reportId: string, format: ReportFormat, version = 1): string {
  return `${reportPrefix(tenantId, reportId)}artifact/${artifactFileName(reportId, format, version)}`;
}

/** The staging name of a step's output for a report's version: `name` for version 1, `name` with `-v<n>` before its
 * extension for a later one, so that making version 2 never overwrites what version 1 left. */
export function versionedName(name: string, version = 1): string {
  if (version <= 1) return name;
  const dot = name.lastIndexOf('.');
  return dot < 0 ? `${name}-v${version}` : `${name.slice(0, dot)}-v${version}${name.slice(dot)}`;
}

/** The prefix under which an import's upload waits while the import runs: `tenants/<tenant>/imports/<import>/`.
 * Removed when the import ends. */
export function importPrefix(tenantId: string, importId: string): string {
  return `tenants/${segment(tenantId, 'tenant id')}/imports/${segment(importId, 'import id')}/`;
}

/** Key of part `n` (from 0) of an import's staged upload. */
export function importPartKey(tenantId: string, importId: string, n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 999_999) throw new Error(`upload part ${n} is out of range`);
  return `${importPrefix(tenantId, importId)}upload/part-${String(n).padStart(6, '0')}`;
}
