import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Finding } from '../../../src/domain/finding';
import { SCOPES } from '../../../src/domain/tokens';
import { createEndpoint, createTenant, insertFindings, mintToken } from '../../../src/infra/mongo/tenant-admin';
import { buildFinding } from '../../fixtures/findings';
import { documentedRequest } from '../../fixtures/requests';
import { waitForReport, type Harness } from '../harness';
import type { WorkflowRun } from './history-files';

/** A tenant of a recording: one endpoint, one finding in the documented request's scope, a token of every scope. */
export interface RecordingTenant {
  tenantId: string;
  endpointId: string;
  finding: Finding;
  token: string;
}

/** What a scenario drives the workflows with: the API and the workers of one harness on a real stack, and the
 * steps most scenarios take. */
export interface RecordingContext {
  h: Harness;
  /** A fresh tenant; `retentionDays` may be a fraction of a day, as an operator may set but the API refuses, so a
   * retention deadline comes within the recording. */
  tenant(retentionDays?: number): Promise<RecordingTenant>;
  /** Asks for a report through the API and waits for it to end; answers its id and status. */
  report(t: RecordingTenant, format: 'pdf' | 'json'): Promise<{ id: string; status: string }>;
  /** Waits for a workflow to close, however it ends, and answers the run that closed: the last of its chain. */
  closed(workflowId: string): Promise<Required<WorkflowRun>>;
  /** The run a workflow id names now, the latest, once the workflow has started (a child starts a moment after
   * its parent's step). */
  latestRun(workflowId: string): Promise<Required<WorkflowRun>>;
}

/** A {@link RecordingContext} over a started harness with workers. */
export function recordingContext(h: Harness): RecordingContext {
  const latestRun = async (workflowId: string) => {
    for (let tries = 0; ; tries++) {
      try {
        const described = await h.temporal.workflow.getHandle(workflowId).describe();
        return { workflowId, runId: described.runId };
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError) || tries >= 100) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  return {
    h,
    async tenant(retentionDays = 365) {
      const tenantId = await createTenant(h.db, { name: 'Recording Co', auditRetentionDays: retentionDays });
      const endpointId = await createEndpoint(h.db, { tenantId, name: 'Support bot', description: 'chat' });
      const finding = buildFinding({ tenantId, endpointId });
      await insertFindings(h.db, [finding]);
      const { secret } = await mintToken(h.db, { tenantId, scopes: [...SCOPES] });
      return { tenantId, endpointId, finding, token: secret };
    },
    async report(t, format) {
      const created = await h.request('POST', '/api/v2/reports', {
        token: t.token,
        body: documentedRequest([t.endpointId], format),
      });
      if (created.status !== 202) throw new Error(`POST /reports answered ${created.status}: ${created.text}`);
      const ended = await waitForReport(h, created.body.id, t.token, 120_000);
      return { id: created.body.id as string, status: ended.body.status as string };
    },
    async closed(workflowId) {
      // Once it has started (a child starts a moment after its parent's step), following the chain of runs, so a
      // workflow that continued as new is waited for to its last run. Failing is one way to close.
      await latestRun(workflowId);
      await h.temporal.workflow
        .getHandle(workflowId)
        .result()
        .catch((err: unknown) => {
          if (!(err instanceof WorkflowFailedError)) throw err;
        });
      return latestRun(workflowId);
    },
    latestRun,
  };
}
