/**
 * Structured logs (pino, JSON lines on stderr so stdout stays for command output).
 * A logger is created by the process entry point and passed down; components
 * take a child named after them (`vboom:node:gossip`). Nothing is opened at import time.
 */
import { pino } from 'pino'

export type Logger = pino.Logger
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

export function createLogger(level: LogLevel = 'info', base: Record<string, unknown> = {}): Logger {
  return pino({ level, base, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2))
}

export function componentLogger(parent: Logger, component: string): Logger {
  return parent.child({ component })
}
