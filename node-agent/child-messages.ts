/**
 * Agent ↔ child IPC (Node's `advanced` serialization, so a frame stays one buffer). Never leaves
 * the machine. Tasks go down as task frames and outcomes come up as outcome frames
 * (protocol/batch-frame.ts); each child has its own function table, so a function's source
 * crosses to a child once per child process.
 */
export type ToChild = { type: 'run'; frame: Uint8Array } | { type: 'stop' }

/** What a task wrote (node-agent/output-capture.ts); sent before the task's outcome. */
export interface ChildOutputChunk {
  id: string
  stream: 'stdout' | 'stderr'
  text: string
}

export type FromChild =
  { type: 'ready' } | { type: 'settled'; frame: Uint8Array } | { type: 'output'; chunks: ChildOutputChunk[] }
