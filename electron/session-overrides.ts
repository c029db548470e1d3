/**
 * `npm start -- --port 0 --host 127.0.0.1` works in both launch modes: the headless CLI
 * reads those flags itself, and the desktop app reads them here. They apply to this run only
 * and are never written to the settings file. Pure: no 'electron' import.
 */
import { parseArgs } from 'node:util'
import type { DesktopSettings } from '../protocol/desktop.js'

export interface SessionOverrides {
  settings: Partial<DesktopSettings>
  /** Flags that were present but unusable, e.g. `--port abc`. */
  problems: string[]
}

/**
 * Reads `--host`, `--port` and `--queue-size` (`none`/`unbounded` = no limit) from `args`.
 * Anything else (Chromium switches, the app path) is ignored. Unlike saved settings,
 * `--port 0` is allowed here: a throwaway run on a free port.
 */
export function parseSessionOverrides(args: readonly string[]): SessionOverrides {
  const { values } = parseArgs({
    args: [...args],
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'queue-size': { type: 'string' },
    },
    strict: false,
    allowPositionals: true,
  })
  const settings: Partial<DesktopSettings> = {}
  const problems: string[] = []
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value.trim() : undefined)

  const host = text(values.host)
  if (host !== undefined) {
    if (host.length > 0 && /^[A-Za-z0-9._:-]+$/.test(host)) settings.host = host
    else problems.push(`--host "${host}" is not a host name or IP address`)
  }
  const port = text(values.port)
  if (port !== undefined) {
    const value = Number(port)
    if (/^\d+$/.test(port) && value <= 65535) settings.port = value
    else problems.push(`--port "${port}" is not 0..65535`)
  }
  const queueSize = text(values['queue-size'])
  if (queueSize !== undefined) {
    if (queueSize === 'none' || queueSize === 'unbounded') settings.queueSize = null
    else if (/^\d+$/.test(queueSize)) settings.queueSize = Number(queueSize)
    else problems.push(`--queue-size "${queueSize}" is not a non-negative integer or "none"`)
  }
  return { settings, problems }
}
