/**
 * The render activities at their boundary with Temporal: what a template error, a browser failure and a database
 * away just after the render each become. The real templates; fakes for the browser, the store and the reports.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure, type LogLevel, type LogMetadata, type Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ArtifactStore, PdfRenderer, ReportsRepo } from '../../../activities/ports';
import { createRenderActivities, type HtmlRenderer } from '../../../activities/render-activities';
import { createReportActivities, type ReportActivityDeps } from '../../../activities/report-activities';
import { AppError } from '../../../src/domain/errors';
import type { ReportStage } from '../../../src/domain/report';
import { stagingKey } from '../../../src/domain/storage-keys';
import { createHtmlRenderer } from '../../../src/infra/render/html-renderer';
import { buildReportModelFixture } from '../../fixtures/report-model';

const TEMPLATES_DIR = path.resolve(__dirname, '../../../templates');
const model = buildReportModelFixture();
const ref = { tenantId: model.report.tenantId, reportId: model.report.id };
const modelKey = stagingKey(ref.tenantId, ref.reportId, 'model.json');
const renderedPdfKey = stagingKey(ref.tenantId, ref.reportId, 'rendered.pdf');
const PDF = Buffer.from('%PDF-1.7 fake\n');

/** Objects in memory, keyed as the real stores key them. */
class MemoryStore implements ArtifactStore {
  readonly objects = new Map<string, Buffer>();

  async put(key: string, body: Buffer): Promise<void> {
    this.objects.set(key, body);
  }

  async get(key: string): Promise<Buffer> {
    const body = this.objects.get(key);
    if (!body) throw new AppError('artifact_missing', `no object ${key}`);
    return body;
  }

  async deletePrefix(): Promise<number> {
    return 0;
  }
}

/** A browser that answers each render as told, counting the renders asked of it. */
class FakePdfRenderer implements PdfRenderer {
  calls = 0;

  constructor(private readonly answer: () => Promise<Buffer>) {}

  async renderPdf(): Promise<Buffer> {
    this.calls++;
    return this.answer();
  }

  async close(): Promise<void> {}
}

/** The reports repository as the render steps use it: progress updates only, recorded or refused. */
function progressRepo(fail?: Error): { reports: ReportsRepo; updates: [string, string, ReportStage, number][] } {
  const updates: [string, string, ReportStage, number][] = [];
  const reports = {
    async setProgress(tenantId: string, reportId: string, stage: ReportStage, percent: number): Promise<void> {
      if (fail) throw fail;
      updates.push([tenantId, reportId, stage, percent]);
    },
  } as unknown as ReportsRepo;
  return { reports, updates };
}

/** A logger keeping what the activity logged. */
function recordingLogger(): { logger: Logger; entries: { level: LogLevel; message: string; meta?: LogMetadata }[] } {
  const entries: { level: LogLevel; message: string; meta?: LogMetadata }[] = [];
  const log = (level: LogLevel) => (message: string, meta?: LogMetadata) => entries.push({ level, message, meta });
  const logger: Logger = {
    log: (level, message, meta) => entries.push({ level, message, meta }),
    trace: log('TRACE'),
    debug: log('DEBUG'),
    info: log('INFO'),
    warn: log('WARN'),
    error: log('ERROR'),
  };
  return { logger, entries };
}

/** A database that is not there, as the driver reports it. */
const databaseAway = () =>
  Object.assign(new Error('Server selection timed out after 5000 ms'), { name: 'MongoServerSelectionError' });

/** Runs the PDF render activity once, as a worker runs one attempt, and says how it ended. */
async function renderOnce(deps: { html?: HtmlRenderer; pdf: FakePdfRenderer; reports: ReportsRepo; logger?: Logger }) {
  const store = new MemoryStore();
  await store.put(modelKey, Buffer.from(JSON.stringify(model), 'utf8'));
  const activities = createRenderActivities({
    staging: store,
    reports: deps.reports,
    html: deps.html ?? createHtmlRenderer(TEMPLATES_DIR),
    pdf: deps.pdf,
    signer: async () => ({
      subject: 'CN=Test Signer, O=Example',
      keyId: 'pdf-0123456789abcdef',
      jwksUrl: 'https://x.test/jwks',
    }),
  });
  const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000 }, { logger: deps.logger });
  const outcome = await env.run(activities.renderPdf, { ...ref, modelKey }).then(
    (result) => ({ result, error: undefined }),
    (error: unknown) => ({ result: undefined, error }),
  );
  return { ...outcome, store };
}

describe('renderPdf activity', () => {
  it('when a partial names a field the report data lacks, then it fails at once with a non-retryable template_failed naming the partial, and the browser is never asked', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'templates-'));
    try {
      cpSync(TEMPLATES_DIR, dir, { recursive: true });
      const partial = path.join(dir, 'partials/summary.hbs');
      writeFileSync(partial, readFileSync(partial, 'utf8').replace('{{summary.rows}}', '{{summary.rowz}}'));
      const pdf = new FakePdfRenderer(async () => PDF);
      const { reports, updates } = progressRepo();

      const { error, store } = await renderOnce({ html: createHtmlRenderer(dir), pdf, reports });

      expect(error).toBeInstanceOf(ApplicationFailure);
      expect(error).toMatchObject({
        type: 'template_failed',
        nonRetryable: true,
        message: expect.stringMatching(
          /^template partials\/summary\.hbs \(in report\.hbs\) failed on this report's data: "rowz" not defined/,
        ),
      });
      expect(pdf.calls).toBe(0);
      expect(store.objects.has(renderedPdfKey)).toBe(false);
      expect(updates).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when Chromium fails during the render, then it fails with a retryable render_failed', async () => {
    const pdf = new FakePdfRenderer(() => Promise.reject(new Error('Chromium exited during the render')));
    const { error } = await renderOnce({ pdf, reports: progressRepo().reports });

    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({
      type: 'render_failed',
      nonRetryable: false,
      message: 'PDF render failed: Chromium exited during the render',
    });
    expect(pdf.calls).toBe(1);
  });

  it('when the render succeeds, then the PDF is staged and the report moves on to signing at 80 %', async () => {
    const { reports, updates } = progressRepo();
    const { result, error, store } = await renderOnce({ pdf: new FakePdfRenderer(async () => PDF), reports });

    expect(error).toBeUndefined();
    expect(result).toEqual({ renderedKey: renderedPdfKey });
    expect(store.objects.get(renderedPdfKey)).toEqual(PDF);
    expect(updates).toEqual([[ref.tenantId, ref.reportId, 'signing', 80]]);
  });

  it('when the database is away just after the render, then the PDF is still staged and its key answered, and the lost progress is logged as a warning', async () => {
    const { logger, entries } = recordingLogger();
    const { result, error, store } = await renderOnce({
      pdf: new FakePdfRenderer(async () => PDF),
      reports: progressRepo(databaseAway()).reports,
      logger,
    });

    expect(error).toBeUndefined();
    expect(result).toEqual({ renderedKey: renderedPdfKey });
    expect(store.objects.get(renderedPdfKey)).toEqual(PDF);
    expect(entries.filter((e) => e.level === 'WARN')).toEqual([
      {
        level: 'WARN',
        message: 'report progress not recorded; the report goes on',
        meta: expect.objectContaining({
          ...ref,
          stage: 'signing',
          percent: 80,
          error: 'Server selection timed out after 5000 ms',
        }),
      },
    ]);
  });
});

describe('renderJson activity', () => {
  it('when the database is away just after the render, then the JSON is still staged and its key answered', async () => {
    const store = new MemoryStore();
    const staging = new MemoryStore();
    await staging.put(modelKey, Buffer.from(JSON.stringify(model), 'utf8'));
    const activities = createReportActivities({
      store,
      staging,
      reports: progressRepo(databaseAway()).reports,
      clock: { now: () => new Date('2026-07-01T09:13:00Z') },
    } as unknown as ReportActivityDeps);
    const { logger, entries } = recordingLogger();

    const result = await new MockActivityEnvironment({}, { logger }).run(activities.renderJson, { ...ref, modelKey });

    const renderedKey = stagingKey(ref.tenantId, ref.reportId, 'rendered.json');
    expect(result).toEqual({ renderedKey });
    expect(JSON.parse(store.objects.get(renderedKey)!.toString('utf8'))).toMatchObject({
      report: { id: ref.reportId },
    });
    expect(entries.filter((e) => e.level === 'WARN').map((e) => [e.level, e.message, e.meta?.stage])).toEqual([
      ['WARN', 'report progress not recorded; the report goes on', 'signing'],
    ]);
  });
});
