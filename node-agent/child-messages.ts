/**
 * Agent ↔ child control messages, on the child's IPC channel. Never leaves the machine. Tasks go
 * down and outcomes come up as batch frames (protocol/batch-frame.ts), and what tasks write comes
 * up as output chunks, on a pipe of their own (child-frames.ts); each child has its own function
 * table, so a function's source crosses to a child once per child process.
 */
export type ToChild =
  | { type: 'stop' }
  /** Hand back up to `count` of the tasks received and not started, the most recently received first. */
  | { type: 'reclaim'; count: number }
  /**
   * Do not start this task: it was answered already (cancelled, or timed out at the manager). If it
   * waits, the child answers it in its place in line without running it; if it started, it runs on.
   */
  | { type: 'drop'; id: string }

export type FromChild =
  | { type: 'ready' }
  /** The answer to 'reclaim': the ids handed back (none of them started; possibly none). */
  | { type: 'reclaimed'; ids: string[] }

/** What a task wrote (node-agent/output-capture.ts); sent before the task's outcome. */
export interface ChildOutputChunk {
  id: string
  stream: 'stdout' | 'stderr'
  text: string
}

/** Reads a message from a child; anything else (a bug, or a task writing to the IPC channel) is undefined. */
export function readFromChild(message: unknown): FromChild | undefined {
  if (typeof message !== 'object' || message === null) return undefined
  const { type, ids } = message as { type?: unknown; ids?: unknown }
  if (type === 'ready') return { type }
  if (type === 'reclaimed' && Array.isArray(ids) && ids.every((id) => typeof id === 'string')) return { type, ids }
  return undefined
}
