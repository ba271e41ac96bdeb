import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ReportFormat, ReportStage, ReportStatus } from '../src/domain/report';

/** Task queue of the report pipeline's workflows and light activities, unless configured otherwise. */
export const DEFAULT_TASK_QUEUE = 'reports';

/** The queue PDF rendering runs on, derived from the workflow's own queue so a deployment (or a test) that
 * picks one queue name gets a matching render queue. Chromium is the heavy part: its own queue lets the
 * worker bound render concurrency apart from everything else. */
export function renderQueueFor(taskQueue: string): string {
  return `${taskQueue}-render`;
}

/** The queue imports run on, derived from the workflow's own queue: an import reads a whole file and holds a
 * worker slot for as long, so imports get slots of their own apart from the report steps. */
export function importQueueFor(taskQueue: string): string {
  return `${taskQueue}-import`;
}

/** Workflow id of an import job: derived from the import id, so starting it twice is harmless. */
export function importWorkflowId(importId: string): string {
  return `import-${importId}`;
}

/** Input of {@link importFindingsWorkflow}: references only; the activities read the staged upload. */
export interface ImportFindingsInput {
  tenantId: string;
  importId: string;
}

/** Workflow id of a report's generation: derived from the report id, so starting it twice is harmless. */
export function reportWorkflowId(reportId: string): string {
  return `report-${reportId}`;
}

/** Workflow id of a report's retention: one per report, so a second start is refused and signals find it. */
export function retentionWorkflowId(reportId: string): string {
  return `retention-${reportId}`;
}

/** Workflow id of the re-targeting that follows a change of a tenant's retention, one per change. */
export function retargetWorkflowId(tenantId: string, changedAt: Date): string {
  return `retention-retarget-${tenantId}-${changedAt.getTime()}`;
}

/** Search attributes operators filter by in the Temporal Web UI (registered when the server starts). */
export const TenantIdAttribute = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
/** The report's status, kept current by the workflow. */
export const ReportStatusAttribute = defineSearchAttributeKey('ReportStatus', SearchAttributeType.KEYWORD);
/** The requested artifact format. */
export const ReportFormatAttribute = defineSearchAttributeKey('ReportFormat', SearchAttributeType.KEYWORD);

/** Input of {@link generateReportWorkflow}: references only; the activities read everything else. */
export interface GenerateReportInput {
  reportId: string;
  tenantId: string;
  format: ReportFormat;
}

/** What {@link generateReportWorkflow} returns once the artifact is stored. */
export interface GenerateReportResult {
  reportId: string;
  artifactKey: string;
  sha256: string;
  size: number;
  rows: number;
}

/** Where a report's generation stands, as the status query answers. */
export interface ReportProgress {
  status: ReportStatus;
  stage: ReportStage;
  error?: { code: string; message: string };
}

/** Query answering {@link ReportProgress}. */
export const reportProgressQuery = defineQuery<ReportProgress>('reportProgress');

/** Input of {@link artifactRetentionWorkflow}: the report and its purge deadline (ISO 8601) when started. */
export interface RetentionInput {
  tenantId: string;
  reportId: string;
  expiresAt: string;
  /** Whether a legal hold was already in place when the report became ready. */
  held?: boolean;
}

/** Where a report's retention stands, as the retention query answers. */
export interface RetentionState {
  expiresAt: string;
  held: boolean;
  purgedAt?: string;
}

/** The report's purge deadline moved (the tenant's retention changed). */
export const retentionDeadlineSignal = defineSignal<[{ expiresAt: string }]>('retentionDeadline');
/** A legal hold was placed (`held: true`) or released. */
export const legalHoldSignal = defineSignal<[{ held: boolean }]>('legalHold');
/** Query answering {@link RetentionState}. */
export const retentionStateQuery = defineQuery<RetentionState>('retentionState');

/** Input of {@link retargetRetentionWorkflow}: the tenant whose retention changed. */
export interface RetargetInput {
  tenantId: string;
}

/** Workflow id of a tenant's offboarding: one per tenant, so a second request finds the one that runs. */
export function tenantOffboardingWorkflowId(tenantId: string): string {
  return `tenant-offboarding-${tenantId}`;
}

/** Input of {@link tenantOffboardingWorkflow}: the tenant, who asked, and the grace period (ISO 8601) as the
 * request recorded it on the tenant. */
export interface TenantOffboardingInput {
  tenantId: string;
  requestedBy: string;
  startedAt: string;
  purgeAfter: string;
}

/** How an offboarding ended: purged, with its receipt's digest; or refused because reports were on legal hold when
 * the purge was due (nothing was purged then). */
export interface TenantOffboardingResult {
  status: 'offboarded' | 'offboarding_blocked';
  purgedAt?: string;
  receiptSha256?: string;
  heldReportIds?: string[];
}

/** Workflow id of a weakness's acceptance timer: one per weakness, so a renewed acceptance finds the running timer
 * and moves it. */
export function acceptanceWorkflowId(tenantId: string, key: string): string {
  return `weakness-acceptance-${tenantId}-${key}`;
}

/** Input of {@link weaknessAcceptanceWorkflow}: the acceptance made at `position` of the weakness's log, which lapses
 * at the start of `expiresOn` (UTC). */
export interface AcceptanceInput {
  tenantId: string;
  key: string;
  position: number;
  expiresOn: string;
}

/** Where an acceptance timer stands, as its query answers. */
export interface AcceptanceTimerState {
  position: number;
  expiresOn: string;
  /** How it ended: the acceptance lapsed, or the weakness was no longer accepted. */
  outcome?: 'expired' | 'ended';
}

/** A later acceptance of the weakness was made (a renewal, or a new acceptance after another state). */
export const acceptanceSignal = defineSignal<[{ position: number; expiresOn: string }]>('acceptance');
/** Query answering {@link AcceptanceTimerState}. */
export const acceptanceStateQuery = defineQuery<AcceptanceTimerState>('acceptanceState');

/** Workflow id of the approval that makes a report's `version`: one per version, so two approvals asked for at once
 * make one version, and a version once made cannot be made again. */
export function approvalWorkflowId(reportId: string, version: number): string {
  return `report-approval-${reportId}-v${version}`;
}

/** Input of {@link approveReportWorkflow}: the report, the version the approval makes, and the approver's statement
 * as the request gave it (small: a few names and two paragraphs). */
export interface ApproveReportInput {
  tenantId: string;
  reportId: string;
  version: number;
  request: { approverName: string; approverRole: string; assertion: string; limitations: string };
  /** ISO 8601. */
  requestedAt: string;
  requestedBy: string;
}

/** What {@link approveReportWorkflow} returns once the version is recorded. */
export interface ApproveReportResult {
  reportId: string;
  version: number;
  sha256: string;
}
