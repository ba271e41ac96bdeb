import { Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram } from 'prom-client';

/**
 * The metrics of one process (prom-client): its own registry, never prom-client's global one, so that tests can
 * build several apps in one process without their metrics meeting. With `processMetrics` (the default) it holds
 * prom-client's default metrics too: CPU, memory and heap spaces, event-loop lag, garbage-collection pauses, open
 * handles. The worker's metrics come from the Temporal runtime's exporter instead.
 */
export class MetricsRegistry {
  readonly registry = new Registry();
  private readonly collectors: (() => Promise<void>)[] = [];

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Runs `collect` just before each scrape, to refresh gauges read from elsewhere (the database, say). */
  onCollect(collect: () => Promise<void>): void {
    this.collectors.push(collect);
  }

  /** The Content-Type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in the Prometheus text exposition format. */
  async text(): Promise<string> {
    await Promise.all(this.collectors.map((c) => c()));
    return this.registry.metrics();
  }
}
