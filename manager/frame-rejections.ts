import { cutText, describeForLog, wireError, type WireError } from '../protocol/index.js'
import type { WarningThrottle } from './warning-throttle.js'

/**
 * How much junk one connection may send. Every bad frame costs the manager a decode, a check and
 * a reply, and a peer sending thousands of them starves everyone else on the event loop. So each
 * connection gets detailed answers for a few bad frames a second (the rest are counted, not
 * answered), and a connection that sends more than `maxBad` bad frames within `windowMs` is closed.
 */
export interface BadFrameLimits {
  /** Bad frames answered with `request:rejected` per second; the rest get no answer. */
  repliesPerSecond: number
  /** Bad frames tolerated within one window before the connection is closed. */
  maxBad: number
  windowMs: number
}

export const DEFAULT_BAD_FRAME_LIMITS: BadFrameLimits = { repliesPerSecond: 20, maxBad: 1000, windowMs: 10_000 }

export type BadFrameVerdict = 'reply' | 'count' | 'close'

export class BadFrameBudget {
  readonly #limits: BadFrameLimits
  #windowStart = 0
  #badInWindow = 0
  #second = 0
  #repliesThisSecond = 0

  constructor(limits: BadFrameLimits = DEFAULT_BAD_FRAME_LIMITS) {
    this.#limits = limits
  }

  /** Records one bad frame and says what to do about it. */
  record(now = Date.now()): BadFrameVerdict {
    if (now - this.#windowStart >= this.#limits.windowMs) {
      this.#windowStart = now
      this.#badInWindow = 0
    }
    if (++this.#badInWindow > this.#limits.maxBad) return 'close'
    const second = Math.floor(now / 1000)
    if (second !== this.#second) {
      this.#second = second
      this.#repliesThisSecond = 0
    }
    return ++this.#repliesThisSecond <= this.#limits.repliesPerSecond ? 'reply' : 'count'
  }
}

interface RejectingSocket {
  emit(event: 'request:rejected', error: WireError): unknown
  disconnect(close?: boolean): unknown
}

export interface FrameRejecter {
  /** A frame that could not be used: logged (rate-limited), answered within the budget. */
  reject(this: void, event: unknown, message: string): void
  /** A frame whose bad items were answered one by one: it still counts against the budget. */
  noteBad(this: void): void
}

/**
 * Answers bad frames on one connection within its budget, and closes the connection once the
 * peer is past it. `kind` names the log line ("bad-frame:client"); `fields` say who the peer is.
 */
export function frameRejecter(
  socket: RejectingSocket,
  kind: string,
  fields: Record<string, unknown>,
  warnings: WarningThrottle,
  limits?: BadFrameLimits,
): FrameRejecter {
  const budget = new BadFrameBudget(limits)
  let closed = false
  const judge = (): BadFrameVerdict | 'closed' => {
    if (closed) return 'closed'
    const verdict = budget.record()
    if (verdict === 'close') {
      closed = true
      warnings.warn(`${kind}:cut`, fields, 'closed a connection that sent too many bad frames')
      socket.disconnect(true)
    }
    return verdict
  }
  return {
    reject(event, message) {
      const name = describeForLog(event, 80)
      const text = cutText(message)
      warnings.warn(kind, { ...fields, event: name }, `bad frame: ${text}`)
      if (judge() === 'reply') socket.emit('request:rejected', wireError('BAD_REQUEST', `${name}: ${text}`))
    },
    noteBad() {
      judge()
    },
  }
}
