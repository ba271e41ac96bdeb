import type { Endpoint, ImportJob, Report } from '../client';

/** A report as text: what a person reading a CI log needs, one fact a line. */
export function describeReport(r: Report): string {
  const lines = [
    `id        ${r.id}`,
    `status    ${r.status} (${r.progress.stage} ${Math.round(r.progress.percent)}%, attempt ${r.attempts})`,
    `title     ${r.title}`,
    `format    ${r.format}`,
    `scope     ${r.scope.endpoint_ids.join(', ')} from ${r.scope.from} to ${r.scope.to}`,
    `queued    ${r.queued_at}`,
  ];
  if (r.completed_at) lines.push(`ready     ${r.completed_at}`);
  if (r.error) lines.push(`error     ${r.error.code}: ${r.error.message}`);
  if (r.artifact) {
    lines.push(`artifact  ${r.artifact.file_name} (${r.artifact.size} bytes, sha256 ${r.artifact.sha256})`);
  }
  if (r.expires_at) lines.push(`expires   ${r.expires_at}`);
  return lines.join('\n');
}

/** A report as one line of a list. */
export function reportRow(r: Report): string {
  return [r.id, r.status.padEnd(7), r.format.padEnd(4), r.queued_at, r.title].join('  ');
}

/** An endpoint as one line of a list. */
export function endpointRow(e: Endpoint): string {
  return [e.id, e.name, e.description].filter((s) => s !== '').join('  ');
}

/** An import job as text. */
export function describeImport(j: ImportJob): string {
  const lines = [`id        ${j.id}`, `status    ${j.status}`, `endpoint  ${j.endpoint_id}`];
  if (j.format) lines.push(`format    ${j.format}${j.tool ? ` (${j.tool})` : ''}`);
  lines.push(`file      ${j.file_bytes} bytes${j.file_sha256 ? `, sha256 ${j.file_sha256}` : ''}`);
  if (j.findings !== null) {
    lines.push(`findings  ${j.findings} read, ${j.created ?? 0} new, ${j.duplicates ?? 0} already stored`);
  }
  if (j.error) lines.push(`error     ${j.error.code}: ${j.error.message}`);
  return lines.join('\n');
}
