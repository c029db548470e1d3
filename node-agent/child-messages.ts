import type { TaskFunction, WireError } from '../protocol/index.js'

/** Agent ↔ child IPC (Node's `advanced` serialization, so bytes stay bytes). Never leaves the machine. */
export interface ChildTask {
  id: string
  fn: TaskFunction
  args: Uint8Array
}

export type ChildOutcome =
  | { id: string; ok: true; result: Uint8Array; ms: number }
  | { id: string; ok: false; error: WireError; ms: number }

export type ToChild = { type: 'run'; tasks: ChildTask[] } | { type: 'stop' }

export type FromChild = { type: 'ready' } | { type: 'settled'; outcomes: ChildOutcome[] }
