import { Option, type Command } from 'commander'
import type { LogFormat } from '../manager/logger.js'

export interface LogFlags {
  quiet?: boolean
  logFormat?: LogFormat
}

/** `--quiet` and `--log-format json|pretty`, for the programs that keep running. */
export function logOptions(command: Command): Command {
  return command
    .option('--quiet', 'log only warnings and errors')
    .addOption(
      new Option(
        '--log-format <format>',
        'log as JSON lines or pretty lines (default: pretty on a terminal, JSON otherwise)',
      ).choices(['json', 'pretty']),
    )
}
