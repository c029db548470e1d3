/**
 * Agent ↔ child control messages, on the child's IPC channel. Never leaves the machine. Tasks go
 * down and outcomes come up as batch frames (protocol/batch-frame.ts), and what tasks write comes
 * up as output chunks, on a pipe of their own (child-frames.ts); each child has its own function
 * table, so a function's source crosses to a child once per child process.
 */
export interface ToChild {
  type: 'stop'
}

export interface FromChild {
  type: 'ready'
}

/** What a task wrote (node-agent/output-capture.ts); sent before the task's outcome. */
export interface ChildOutputChunk {
  id: string
  stream: 'stdout' | 'stderr'
  text: string
}
