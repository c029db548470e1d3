/**
 * Agent ↔ child control messages, on the child's IPC channel. Never leaves the machine. Tasks go
 * down and outcomes come up as batch frames (protocol/batch-frame.ts), and what tasks write comes
 * up as output chunks, on a pipe of their own (child-frames.ts); each child has its own function
 * table, so a function's source crosses to a child once per child process.
 */
import { taskOutputChunkSchema } from '../protocol/task-output.js'

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

/** One chunk as the manager reads it off the wire (less the pid, which the agent adds). */
const childOutputChunkSchema = taskOutputChunkSchema.omit({ pid: true })

/** What one output message from a child holds: the chunks that can be sent on, and how many could not. */
export interface ChildOutput {
  chunks: ChildOutputChunk[]
  dropped: number
}

/**
 * Reads the parsed JSON of one output message from a child's pipe; undefined unless it is a list.
 * Task code can write to that pipe, so every item is checked against the manager's own bounds:
 * one it would refuse would get the whole batch refused, other tasks' output with it. A kept
 * chunk is a fresh object of its three fields (nothing else a task put in it travels on).
 */
export function readChildOutput(input: unknown): ChildOutput | undefined {
  if (!Array.isArray(input)) return undefined
  const chunks: ChildOutputChunk[] = []
  let dropped = 0
  for (const item of input as unknown[]) {
    const chunk = childOutputChunkSchema.safeParse(item)
    if (chunk.success) chunks.push(chunk.data)
    else dropped++
  }
  return { chunks, dropped }
}
