import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/app-config';

/** Log lines gathered into one write of standard output (see `stdout`). */
const BUFFER_BYTES = 4096;
const FLUSH_EVERY_MS = 100;

/**
 * Standard output, written asynchronously and in batches: a line waits until 4 KiB are gathered or
 * 100 ms have passed, so under load one system call carries a dozen requests' lines instead of
 * one each (in a CPU profile of cache hits, that write was the costliest thing of the request's
 * own). What is pending is written when the app closes and when the process exits.
 */
function stdout(): pino.DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: BUFFER_BYTES });
  setInterval(() => {
    // Once the stream is closed (the process is ending) there is nothing left to write.
    if (!(destination as { destroyed?: boolean }).destroyed) destination.flush();
  }, FLUSH_EVERY_MS).unref();
  return destination;
}

/** Structured JSON logs; secrets are never logged (no headers, no bodies, redacted keys). */
export function createRootLogger(level: LogLevel, destination: pino.DestinationStream = stdout()): Logger {
  return pino(
    {
      level,
      base: { service: 'genledger' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['authorization', '*.authorization', 'apiKey', '*.apiKey', 'secret', '*.secret', 'token', '*.token'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** Nest's own messages (start-up, module errors) through the same pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.write('error', message, context, trace);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }

  private write(level: pino.Level, message: unknown, context?: string, trace?: string): void {
    if (message instanceof Error) {
      this.logger[level](
        { context, err: { name: message.name, message: message.message, stack: message.stack } },
        message.message,
      );
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ context, ...(message as object), ...(trace ? { trace } : {}) });
    } else {
      this.logger[level]({ context, ...(trace ? { trace } : {}) }, String(message));
    }
  }
}
