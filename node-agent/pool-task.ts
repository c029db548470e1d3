import type { FunctionEntry, WireError } from '../protocol/index.js'

/** A task on this node: its argument bytes are `bytes[start .. end)` of the frame it came in. */
export interface PoolTask {
  readonly id: string
  readonly attempt: number
  readonly fn: FunctionEntry
  /** ms; 0 = none. */
  readonly timeout: number
  readonly bytes: Uint8Array
  readonly start: number
  readonly end: number
}

/** How a task ended on this node. A result is `bytes[start .. end)` of the child's outcome message. */
export type PoolOutcome =
  | {
      readonly id: string
      readonly attempt: number
      readonly ms: number
      readonly ok: true
      readonly bytes: Uint8Array
      readonly start: number
      readonly end: number
    }
  | {
      readonly id: string
      readonly attempt: number
      readonly ms: number
      readonly ok: false
      readonly error: WireError
    }
