import { pino, destination, type Logger } from 'pino'

export type { Logger } from 'pino'

/** The manager's and agent's log: JSON lines on stderr; level from ARGON_LOG_LEVEL (default info). */
export function createLogger(name: string): Logger {
  return pino({ name, level: process.env.ARGON_LOG_LEVEL ?? 'info' }, destination(2))
}

/** A logger that drops everything (embedding, tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
