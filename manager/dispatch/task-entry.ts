import type { FunctionEntry, Priority } from '../../protocol/index.js'
import type { NodeEntry } from '../node-entry.js'
import type { Arrival } from './shared-frames.js'

/** What a node link needs of a task to send it on: its argument bytes are `bytes[start .. end)`. */
export interface DispatchedTask {
  readonly id: string
  readonly fn: FunctionEntry
  readonly bytes: Uint8Array
  readonly start: number
  readonly end: number
  readonly priority: Priority
  /** ms; 0 = none. */
  readonly timeout: number
}

/** One task of an incoming frame, as the client namespace hands it over. */
export interface IncomingTask {
  id: string
  fn: FunctionEntry
  start: number
  end: number
  priority: Priority
  timeout: number
}

/**
 * A task the manager holds until it answers its client. Kept small (a million may wait): what
 * only a dispatched task needs lives in its `run`, and the arrival time is shared per frame.
 */
export interface TaskEntry extends DispatchedTask {
  readonly clientId: string
  bytes: Uint8Array
  start: number
  end: number
  readonly arrival: Arrival
  /** Kept by the TaskQueue: true while the task waits in it. */
  queued: boolean
  /** Dispatches so far (each one an attempt). */
  attempts: number
  /** The node running it now; null while it waits. */
  nodeId: string | null
  /** Null until its first dispatch. */
  run: TaskRun | null
}

/** The tasks the manager holds (waiting or running), by id, until each is answered. */
export type HeldTasks = Map<string, TaskEntry>

/** What a task keeps from its dispatches. */
export interface TaskRun {
  /** Name of the node that has it now or had it last. */
  nodeName: string
  /**
   * Every node it was dispatched to: only those may answer it (a late answer included). One id,
   * or a list once it ran on a second node (most tasks run once: no array for them).
   */
  ranOn: string | string[]
  /** performance.now() of the last dispatch. */
  dispatchedAt: number
}

/** Whether the task was ever dispatched to the node (only such a node may answer it). */
export function ranOn(task: TaskEntry, nodeId: string): boolean {
  const nodes = task.run?.ranOn
  return nodes === nodeId || (Array.isArray(nodes) && nodes.includes(nodeId))
}

/** Marks the task as dispatched to `node` (one more attempt) and hands it to the node's link. */
export function dispatchTo(task: TaskEntry, node: NodeEntry, expectedMs: number | undefined): void {
  task.nodeId = node.id
  task.attempts++
  const run = task.run
  if (run === null) task.run = { nodeName: node.name, ranOn: node.id, dispatchedAt: performance.now() }
  else {
    run.nodeName = node.name
    if (!ranOn(task, node.id))
      run.ranOn = typeof run.ranOn === 'string' ? [run.ranOn, node.id] : [...run.ranOn, node.id]
    run.dispatchedAt = performance.now()
  }
  node.assigned.add(task.id, expectedMs, task.attempts)
  node.link!.run(task, task.attempts)
}

/** The task waits again. `started` false: it never started, so its dispatch was not an attempt. */
export function backToWaiting(task: TaskEntry, started: boolean): void {
  if (!started) task.attempts--
  task.nodeId = null
}
