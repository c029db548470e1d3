import type { Logger } from './logger.js'

interface Window {
  loggedAt: number
  suppressed: number
}

/**
 * Logs each kind of warning at most once per interval; the next line that gets through says how
 * many like it were left out. A peer sending bad frames in a loop then costs a few log lines a
 * second, not one per frame. Kinds are chosen by the code, never by the peer.
 */
export class WarningThrottle {
  readonly #log: Logger
  readonly #intervalMs: number
  readonly #windows = new Map<string, Window>()

  constructor(log: Logger, intervalMs = 1000) {
    this.#log = log
    this.#intervalMs = intervalMs
  }

  warn(kind: string, fields: Record<string, unknown>, message: string): void {
    const now = Date.now()
    let window = this.#windows.get(kind)
    if (!window) {
      window = { loggedAt: -Infinity, suppressed: 0 }
      this.#windows.set(kind, window)
    }
    if (now - window.loggedAt < this.#intervalMs) {
      window.suppressed++
      return
    }
    const suppressed = window.suppressed
    window.loggedAt = now
    window.suppressed = 0
    this.#log.warn(
      suppressed > 0 ? { ...fields, suppressed } : fields,
      suppressed > 0 ? `${message} (and ${suppressed} more like it since the last line)` : message,
    )
  }
}
