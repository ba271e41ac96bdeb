import type { ArtifactFacts, ReportRecord } from './report';
import { reportTreatmentAsOf } from './treatment/dates';
import { invalid, isPlainObject, rejectUnknownFields, requiredText, refuseHiddenCharacters } from './validation';

/** Longest approver name and role, and longest assertion or statement of limitations, in characters. */
export const MAX_APPROVER = 200;
export const MAX_STATEMENT = 4000;

/** What an approver states when signing a report off: who they are, what they assert about it, and what it does
 * not cover. */
export interface ApprovalRequest {
  approverName: string;
  approverRole: string;
  assertion: string;
  limitations: string;
}

/** A recorded approval: the statement, when it was made, and which token made it. */
export interface Approval extends ApprovalRequest {
  approvedAt: Date;
  approvedBy: string;
}

/** One version of a report. Version 1 is the draft the pipeline generated; each approval adds the next, signed
 * again over the same population with the approval printed in it. */
export interface ReportVersion {
  version: number;
  createdAt: Date;
  artifact: ArtifactFacts;
  /** The instant the version's treatment was read as of. */
  statusAsOf: Date;
  approval?: Approval;
  /** Whether the treatment of the report's weaknesses had changed since the version before, so that this one
   * was built again with the treatment as of its approval; how many weaknesses changed. */
  regenerated?: { changedWeaknesses: number };
}

/** An approval under way, or the last one that failed (another approval may be asked for then). */
export interface PendingApproval {
  version: number;
  state: 'approving' | 'failed';
  request: ApprovalRequest;
  requestedAt: Date;
  requestedBy: string;
  error?: { code: string; message: string };
}

/** A name or role printed on the signed sign-off page: a text with no hidden characters. */
function plainText(body: Record<string, unknown>, field: string): string {
  const value = requiredText(body, field, MAX_APPROVER);
  refuseHiddenCharacters(field, value);
  return value;
}

const APPROVAL_FIELDS = ['approver_name', 'approver_role', 'assertion', 'limitations'] as const;

/** Reads the body of `POST /reports/:id/approve`. Every field is required: a sign-off that names nobody, asserts
 * nothing or leaves its limits unsaid is not one an auditor can rely on ("None identified." is a statement of
 * limitations). */
export function parseApprovalRequest(body: unknown): ApprovalRequest {
  if (!isPlainObject(body)) {
    throw invalid(
      'body',
      'must be a JSON object with approver_name, approver_role, assertion and limitations, each a text',
    );
  }
  rejectUnknownFields(body, APPROVAL_FIELDS);
  return {
    approverName: plainText(body, 'approver_name'),
    approverRole: plainText(body, 'approver_role'),
    assertion: requiredText(body, 'assertion', MAX_STATEMENT),
    limitations: requiredText(body, 'limitations', MAX_STATEMENT),
  };
}

/** A report's versions in order. A report never approved (or made ready before versions were recorded) has its one
 * artifact as version 1, whose treatment was read as of its period's end or its creation, whichever came first. */
export function versionsOf(report: ReportRecord): ReportVersion[] {
  if (report.versions && report.versions.length > 0) return report.versions;
  if (!report.artifact || !report.completedAt) return [];
  return [
    {
      version: 1,
      createdAt: report.completedAt,
      artifact: report.artifact,
      statusAsOf: reportTreatmentAsOf(report.request.scope.to, report.createdAt),
    },
  ];
}
