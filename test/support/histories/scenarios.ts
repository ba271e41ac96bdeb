import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DAY_MS } from '../../../src/domain/retention';
import { parseReportRequest } from '../../../src/domain/report-request';
import { addDays, dayOf, parseTreatmentChange, weaknessKey } from '../../../src/domain/treatment';
import { MongoTenantsRepo } from '../../../src/infra/mongo/tenants-repo';
import { TemporalRetention } from '../../../src/infra/temporal/retention-workflows';
import { tenantAdminOf } from '../../../src/main/tenant-admin';
import { weaknessTreatmentOf } from '../../../src/main/weakness-treatment';
import {
  acceptanceStateQuery,
  acceptanceWorkflowId,
  approvalWorkflowId,
  importWorkflowId,
  reportWorkflowId,
  retentionWorkflowId,
  tenantOffboardingWorkflowId,
} from '../../../workflows/contracts';
import { queuedRecord } from '../../fixtures/reports';
import { documentedRequest } from '../../fixtures/requests';
import type { WorkflowRun } from './history-files';
import type { RecordingContext, RecordingTenant } from './recording-context';

/**
 * One way through the workflows, driven on a real stack, and the histories it leaves: each file one workflow run. To
 * cover a new workflow, or a new way through one, add a scenario to {@link SCENARIOS} and record it alone:
 * `scripts/record-histories.sh <name>`.
 */
export interface Scenario {
  name: string;
  /** What it goes through, as the recording's log says. */
  what: string;
  /** The histories it records, by file name (without `.json`). */
  files: readonly string[];
  /** Drives the workflows and answers the run behind each of {@link files}. A run still going (waiting on its
   * timer) is recorded as it waits, then terminated. */
  run(ctx: RecordingContext): Promise<Record<string, WorkflowRun>>;
}

/** Grace period of the recording's offboardings, and the short retentions below, in seconds: long enough for the
 * scenario's next step to come first, short enough to wait out. */
export const OFFBOARD_GRACE_SECONDS = 3;
/** How long a failed report of the recording keeps what it staged (FAILED_REPORT_RETENTION_HOURS), in seconds. */
export const FAILED_RETENTION_SECONDS = 4;
const RETENTION_SECONDS = 6;

const seconds = (s: number) => s / 86_400;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectStatus(what: string, actual: { status: number; text: string }, expected: number): void {
  if (actual.status !== expected) throw new Error(`${what} answered ${actual.status}, not ${expected}: ${actual.text}`);
}

/** A ready report of `t` whose retention workflow has started, or the recording stops: every retention scenario
 * starts from one. The report reads ready a moment before its retention starts, with the deadline and hold it reads
 * back from the report; a change made in that moment would be in the workflow's input, not in its history. */
async function readyReport(ctx: RecordingContext, t: RecordingTenant, format: 'pdf' | 'json'): Promise<string> {
  const { id, status } = await ctx.report(t, format);
  if (status !== 'ready') throw new Error(`report ${id} ended ${status}, not ready`);
  await ctx.latestRun(retentionWorkflowId(id));
  return id;
}

/** A JSON report of `t` started as the API starts it, which fails at its last step: the tenant's settings vanish
 * first (a botched migration, say), so marking it ready cannot find its retention; the tenant's own token no longer
 * authenticates meanwhile. Answers its id, its first run, and what puts the settings back. */
async function failingReport(
  ctx: RecordingContext,
  t: RecordingTenant,
): Promise<{ id: string; run: WorkflowRun; restore: () => Promise<void> }> {
  const { h } = ctx;
  const tenants = h.db.collection<{ _id: string }>('tenants');
  const saved = await tenants.findOne({ _id: t.tenantId });
  await tenants.deleteOne({ _id: t.tenantId });
  const record = queuedRecord(t.tenantId, parseReportRequest(documentedRequest([t.endpointId], 'json')), new Date());
  await h.reports.insert(record);
  const started = await h.temporal.workflow.start('generateReportWorkflow', {
    workflowId: reportWorkflowId(record.id),
    taskQueue: h.taskQueue,
    args: [{ reportId: record.id, tenantId: t.tenantId, format: 'json' }],
  });
  return {
    id: record.id,
    run: { workflowId: started.workflowId, runId: started.firstExecutionRunId },
    restore: async () => void (await tenants.insertOne(saved!)),
  };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'report-ready',
    what: 'a PDF and a JSON report made ready through the API; the JSON one’s retention, a year away, waiting',
    files: ['report-ready-pdf', 'report-ready-json', 'retention-waiting'],
    async run(ctx) {
      const t = await ctx.tenant();
      const pdf = await readyReport(ctx, t, 'pdf');
      const json = await readyReport(ctx, t, 'json');
      return {
        'report-ready-pdf': await ctx.latestRun(reportWorkflowId(pdf)),
        'report-ready-json': await ctx.latestRun(reportWorkflowId(json)),
        'retention-waiting': await ctx.latestRun(retentionWorkflowId(json)),
      };
    },
  },
  {
    name: 'report-failed-then-retried',
    what: 'a report whose tenant settings vanish mid-way fails; once they are back, POST /retry makes it ready',
    files: ['report-failed', 'report-retried'],
    async run(ctx) {
      const { h } = ctx;
      const t = await ctx.tenant();
      const { id, run, restore } = await failingReport(ctx, t);
      await h.temporal.workflow
        .getHandle(reportWorkflowId(id))
        .result()
        .then(
          () => Promise.reject(new Error(`report ${id} was meant to fail`)),
          () => undefined,
        );
      await restore();
      expectStatus('POST /retry', await h.request('POST', `/api/v2/reports/${id}/retry`, { token: t.token }), 202);
      const retried = await ctx.closed(reportWorkflowId(id));
      return { 'report-failed': run, 'report-retried': retried };
    },
  },
  {
    name: 'failed-report-staging-purged',
    what: 'a report that fails starts its retention workflow, which purges what it staged once the time for a retry passes',
    files: ['report-failed-with-retention', 'retention-failed-staging-purged'],
    async run(ctx) {
      const t = await ctx.tenant();
      const { id, restore } = await failingReport(ctx, t);
      const failed = await ctx.closed(reportWorkflowId(id));
      await restore();
      return {
        'report-failed-with-retention': failed,
        'retention-failed-staging-purged': await ctx.closed(retentionWorkflowId(id)),
      };
    },
  },
  {
    name: 'report-approval',
    what: 'a ready PDF report approved through the API after a weakness of it was treated: version 2, built again',
    files: ['report-approved'],
    async run(ctx) {
      const { h } = ctx;
      const t = await ctx.tenant();
      const id = await readyReport(ctx, t, 'pdf');
      const key = weaknessKey(t.tenantId, t.finding);
      const treated = await h.request('PATCH', `/api/v2/weaknesses/${key}`, {
        token: t.token,
        body: { owner: 'Sam Okafor' },
      });
      expectStatus('PATCH /weaknesses', treated, 200);
      const approval = {
        approver_name: 'Dana Reyes',
        approver_role: 'CISO',
        assertion: 'The register fairly presents the testing of the period.',
        limitations: 'None identified.',
      };
      expectStatus(
        'POST /approve',
        await h.request('POST', `/api/v2/reports/${id}/approve`, { token: t.token, body: approval }),
        202,
      );
      return { 'report-approved': await ctx.closed(approvalWorkflowId(id, 2)) };
    },
  },
  {
    name: 'retention-purged',
    what: 'a report kept for a few seconds, purged by its retention at the deadline',
    files: ['retention-purged'],
    async run(ctx) {
      const t = await ctx.tenant(seconds(RETENTION_SECONDS));
      const id = await readyReport(ctx, t, 'json');
      return { 'retention-purged': await ctx.closed(retentionWorkflowId(id)) };
    },
  },
  {
    name: 'retention-deadline-moved',
    what: 'a tenant’s retention cut from a day to seconds: the re-targeting signals the new deadline, then the purge',
    files: ['retention-retarget', 'retention-deadline-moved'],
    async run(ctx) {
      const { h } = ctx;
      const t = await ctx.tenant(1);
      const id = await readyReport(ctx, t, 'json');
      const changedAt = new Date();
      await new MongoTenantsRepo(h.db).setRetention(t.tenantId, seconds(RETENTION_SECONDS), changedAt);
      const retargetId = await new TemporalRetention(h.temporal, h.taskQueue).retarget(t.tenantId, changedAt);
      return {
        'retention-retarget': await ctx.closed(retargetId),
        'retention-deadline-moved': await ctx.closed(retentionWorkflowId(id)),
      };
    },
  },
  {
    name: 'retention-legal-hold',
    what: 'a legal hold placed before the deadline keeps the report past it; released, the report is purged at once',
    files: ['retention-legal-hold'],
    async run(ctx) {
      const { h } = ctx;
      const t = await ctx.tenant(seconds(RETENTION_SECONDS));
      const id = await readyReport(ctx, t, 'json');
      const hold = { token: t.token, body: { reason: 'Matter 12' } };
      expectStatus('PUT /legal-hold', await h.request('PUT', `/api/v2/reports/${id}/legal-hold`, hold), 200);
      await pause((RETENTION_SECONDS + 2) * 1000);
      const kept = await h.reports.get(t.tenantId, id);
      if (kept?.status !== 'ready') throw new Error(`report ${id} is ${kept?.status} under a legal hold`);
      expectStatus(
        'DELETE /legal-hold',
        await h.request('DELETE', `/api/v2/reports/${id}/legal-hold`, { token: t.token }),
        200,
      );
      return { 'retention-legal-hold': await ctx.closed(retentionWorkflowId(id)) };
    },
  },
  {
    name: 'retention-continued-as-new',
    what: 'a deadline moved without its signal: the timer finds the report not due, continues as new, then purges',
    files: ['retention-continued-as-new-run-1', 'retention-continued-as-new-run-2'],
    async run(ctx) {
      const { h } = ctx;
      const t = await ctx.tenant(seconds(RETENTION_SECONDS));
      const id = await readyReport(ctx, t, 'json');
      // The stored deadline is the truth; the workflow learns of the later one only when its own timer fires.
      const ready = await h.reports.get(t.tenantId, id);
      await h.reports.setExpiry(t.tenantId, id, new Date(ready!.expiresAt!.getTime() + RETENTION_SECONDS * 1000));
      const first = await ctx.latestRun(retentionWorkflowId(id));
      const last = await ctx.closed(retentionWorkflowId(id));
      if (last.runId === first.runId) {
        const events = (await h.temporal.workflow.getHandle(last.workflowId, last.runId).fetchHistory()).events ?? [];
        const suggested = events.some((e) => e.workflowTaskStartedEventAttributes?.suggestContinueAsNew);
        throw new Error(
          `the retention workflow did not continue as new (${events.length} events, continue-as-new ${suggested ? '' : 'never '}suggested): record on a stack started with STACK_SUGGEST_CONTINUE_AS_NEW, as scripts/record-histories.sh does`,
        );
      }
      return { 'retention-continued-as-new-run-1': first, 'retention-continued-as-new-run-2': last };
    },
  },
  {
    name: 'import',
    what: 'a garak report imported through the API, and a file the importer refuses',
    files: ['import-succeeded', 'import-failed'],
    async run(ctx) {
      const { h } = ctx;
      const t = await ctx.tenant();
      const scanners = path.resolve(__dirname, '../../fixtures/scanners');
      const runs: Record<string, WorkflowRun> = {};
      for (const [file, fixture] of [
        ['import-succeeded', 'garak-0.14-report.jsonl'],
        ['import-failed', 'bad-array.json'],
      ]) {
        const started = await h.request('POST', `/api/v2/findings/imports?endpoint_id=${t.endpointId}`, {
          token: t.token,
          raw: await fs.readFile(path.join(scanners, fixture), 'utf8'),
          headers: { 'content-type': 'application/octet-stream' },
        });
        expectStatus(`POST /findings/imports (${fixture})`, started, 202);
        runs[file] = await ctx.closed(importWorkflowId(started.body.id));
      }
      return runs;
    },
  },
  {
    name: 'weakness-acceptance',
    what: 'a risk acceptance renewed while its timer waits; and one found lapsed when its timer starts late',
    files: ['weakness-acceptance-renewed', 'weakness-acceptance-lapsed'],
    async run(ctx) {
      const { h } = ctx;
      const accept = (today: string, days: number) =>
        parseTreatmentChange(
          {
            state: 'risk_accepted',
            approver: 'Dana Reyes',
            approver_role: 'CISO',
            justification: 'Compensating control in place',
            expires_on: addDays(today, days),
          },
          today,
        );
      const keyOf = async () => {
        const t = await ctx.tenant();
        return { t, key: weaknessKey(t.tenantId, t.finding) };
      };

      const now = { now: () => new Date() };
      const treatment = weaknessTreatmentOf(h.db, h.audit, h.temporal, h.taskQueue, now);
      const renewed = await keyOf();
      const today = dayOf(new Date());
      await treatment.change(renewed.t.tenantId, renewed.key, accept(today, 30), 'tok_recorder');
      await treatment.change(renewed.t.tenantId, renewed.key, accept(today, 60), 'tok_recorder');
      const timer = h.temporal.workflow.getHandle(acceptanceWorkflowId(renewed.t.tenantId, renewed.key));
      while ((await timer.query(acceptanceStateQuery)).expiresOn !== addDays(today, 60)) await pause(100);

      // Accepted three days ago until yesterday, its timer started only now, as after an outage of the workers.
      const threeDaysAgo = { now: () => new Date(Date.now() - 3 * DAY_MS) };
      const late = weaknessTreatmentOf(h.db, h.audit, h.temporal, h.taskQueue, threeDaysAgo);
      const lapsed = await keyOf();
      const then = dayOf(threeDaysAgo.now());
      await late.change(lapsed.t.tenantId, lapsed.key, accept(then, 2), 'tok_recorder');
      return {
        'weakness-acceptance-renewed': await ctx.latestRun(timer.workflowId),
        'weakness-acceptance-lapsed': await ctx.closed(acceptanceWorkflowId(lapsed.t.tenantId, lapsed.key)),
      };
    },
  },
  {
    name: 'tenant-offboarding',
    what: 'a tenant offboarded after its grace period; and one whose report is put on hold during it',
    files: ['tenant-offboarded', 'tenant-offboarding-blocked'],
    async run(ctx) {
      const { h } = ctx;
      const admin = tenantAdminOf(h.db, h.audit, { now: () => new Date() });
      const operator = (await admin.mintOperatorToken('recorder')).secret;
      const offboard = async (held: boolean) => {
        const t = await ctx.tenant();
        const id = await readyReport(ctx, t, 'json');
        const asked = await h.request('DELETE', `/api/v2/admin/tenants/${t.tenantId}`, { token: operator });
        expectStatus('DELETE /admin/tenants/:id', asked, 202);
        // Placed directly: the tenant's own tokens are refused once it is offboarding.
        if (held)
          await h.reports.setLegalHold(t.tenantId, id, {
            reason: 'Late matter',
            placedAt: new Date(),
            placedBy: 'counsel',
          });
        return ctx.closed(tenantOffboardingWorkflowId(t.tenantId));
      };
      return { 'tenant-offboarded': await offboard(false), 'tenant-offboarding-blocked': await offboard(true) };
    },
  },
];
