import { pino, destination, type Logger } from 'pino'
import pretty from 'pino-pretty'

export type { Logger } from 'pino'

/** How a long-running program writes its log. */
export type LogFormat = 'json' | 'pretty'

export interface LogSettings {
  /** `json` lines, or `pretty` lines for a person. @default 'pretty' when stdout is a terminal, else 'json' */
  format?: LogFormat
  /** Only warnings and errors. @default false */
  quiet?: boolean
  /** File descriptor: 1 (stdout) or 2 (stderr). @default 2 */
  fd?: 1 | 2
}

/** The format a person or a log collector expects: pretty on a terminal, JSON lines otherwise. */
export function defaultLogFormat(): LogFormat {
  return process.stdout.isTTY ? 'pretty' : 'json'
}

/** The manager's and agent's log; level from ARGON_LOG_LEVEL (default info, warn when quiet). */
export function createLogger(name: string, settings: LogSettings = {}): Logger {
  const level = settings.quiet ? 'warn' : (process.env.ARGON_LOG_LEVEL ?? 'info')
  const fd = settings.fd ?? 2
  if ((settings.format ?? defaultLogFormat()) === 'pretty') {
    const colorize =
      process.env.NO_COLOR === undefined && Boolean(fd === 1 ? process.stdout.isTTY : process.stderr.isTTY)
    return pino(
      { name, level },
      pretty({ destination: fd, sync: true, colorize, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' }),
    )
  }
  return pino({ name, level }, destination(fd))
}

/** A logger that drops everything (embedding, tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
