/**
 * @module Logging: one pino root per process, one child per component.
 * Logs are object first (`log.warn({ err, key }, 'sync failed')`) and are written at
 * boundaries only (server start/stop, API errors, sync failures), never per query.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Create the process root logger. Logs go to stderr so stdout stays free for human output. */
export function createLogger(level: LevelWithSilent = 'info'): Logger {
  return pino({ level, base: { app: 'ordinal' } }, pino.destination({ fd: 2, sync: false }));
}

/** A logger that discards everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
