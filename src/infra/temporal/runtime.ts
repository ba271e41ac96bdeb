import type { LogLevel as TemporalLogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import type { Logger } from '../logger';

/**
 * Temporal's logger interface over ours, so that what the SDK logs (a workflow task failing, an activity retried, the
 * worker's state, the workflow and activity loggers) is one JSON line on stdout like the rest, redacted the same
 * way. Our lowest level is debug: the SDK's trace lines are dropped.
 */
export function temporalLogger(logger: Logger): TemporalLogger {
  const log = (level: TemporalLogLevel, message: string, meta?: LogMetadata): void => {
    // Temporal keys its timestamp by a symbol; a plain copy keeps the string keys only.
    const fields = meta ? { ...meta } : undefined;
    switch (level) {
      case 'TRACE':
        return;
      case 'DEBUG':
        return logger.debug(message, fields);
      case 'INFO':
        return logger.info(message, fields);
      case 'WARN':
        return logger.warn(message, fields);
      default:
        return logger.error(message, fields);
    }
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/**
 * Installs the process's Temporal runtime, before any connection: its logger is ours, the SDK Core's own warnings
 * are forwarded to it rather than printed in another format, and, with `metricsAddress`, its Prometheus exporter
 * serves activity and queue latencies and the worker's own metrics there.
 */
export function installTemporalRuntime(logger: Logger, metricsAddress?: string): void {
  Runtime.install({
    logger: temporalLogger(logger),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) },
      ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : {}),
    },
  });
}
