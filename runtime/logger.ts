// Structured logging for every Node-side part (workers, activities, twins, CLI internals).
// Logs go to stderr so the CLI's stdout stays clean for --json output.
import pino from 'pino';

export type Logger = pino.Logger;

export const rootLogger: Logger = pino(
  { name: 'factory', level: process.env.FACTORY_LOG_LEVEL ?? 'warn' },
  pino.destination({ fd: 2, sync: true }),
);

export function childLogger(bindings: Record<string, unknown>): Logger {
  return rootLogger.child(bindings);
}
