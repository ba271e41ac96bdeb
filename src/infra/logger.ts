import pino from 'pino';
import { redactLogFields, redactText } from './log-redaction';

/** Log severities, least severe first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured logging: a message and flat fields, one JSON object per line. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  /** Whether an entry at `level` is written, so that a caller can skip gathering one that would not be. */
  enabled(level: LogLevel): boolean;
}

function wrap(log: pino.Logger<never>): Logger {
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
    // pino writes a child's fields as they are given, once: they are redacted here, as the base is below.
    child: (fields) => wrap(log.child(redactLogFields(fields))),
    enabled: (level) => log.isLevelEnabled(level),
  };
}

/**
 * A logger (pino) writing one JSON object per line, `{level, time, message, ...base, ...fields}`, to a sink (stdout
 * by default) for every entry at or above `level`. Every line passes {@link redactLogFields}: credentials and a
 * finding's evidence never reach it, and an error in any field is written as its type, message, stack, code and
 * cause. The sink receives each line without its newline.
 */
export function createLogger(
  level: LogLevel,
  base: Record<string, unknown> = {},
  sink?: (line: string) => void,
): Logger {
  // Synchronous, as `process.stdout.write` to a file or a pipe is: a process that exits on a fatal error keeps its
  // last lines.
  const destination = sink
    ? { write: (line: string) => sink(line.endsWith('\n') ? line.slice(0, -1) : line) }
    : pino.destination({ dest: 1, sync: true });
  return wrap(
    pino(
      {
        level,
        // No pid or hostname: the platform that collects the lines knows them, and callers name the service.
        base: redactLogFields(base),
        messageKey: 'message',
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: {
          level: (label) => ({ level: label }),
          log: redactLogFields,
        },
        hooks: {
          // Called only for levels that are written, so a message is searched for credentials only when it is.
          logMethod(args, method) {
            const [fields, message] = args as unknown as [object, unknown];
            (method as (...a: unknown[]) => void).apply(this, [
              fields,
              typeof message === 'string' ? redactText(message) : message,
            ]);
          },
        },
      },
      destination,
    ),
  );
}

const drop = (): void => undefined;

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = {
  debug: drop,
  info: drop,
  warn: drop,
  error: drop,
  child: () => silentLogger,
  enabled: () => false,
};
