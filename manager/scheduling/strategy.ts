import { LONG_TASK_MS } from '../../protocol/index.js'

/** What a scheduling strategy sees of a node that could take a task. */
export interface SchedulableNode {
  readonly id: string
  /** Worker processes on the node. */
  readonly workers: number
  /** Tasks assigned and not yet answered. */
  readonly assignedCount: number
  /**
   * Estimated ms of work the node holds (running and waiting), from the per-function estimates
   * of the tasks actually there; a task of an unmeasured function counts UNMEASURED_TASK_MS.
   */
  readonly heldMs: number
}

/**
 * What an unmeasured task is taken to cost: as much as a long task, since one per worker is all
 * such a node is given until the function is measured.
 */
export const UNMEASURED_TASK_MS = LONG_TASK_MS

/** The expected run time of the task being placed on a node, ms; undefined when never measured. */
export type TaskEstimate = (node: SchedulableNode) => number | undefined

/**
 * Picks the node for the next task among nodes that are in rotation and have room for it.
 * One file per strategy; `strategies` lists them by name.
 */
export interface SchedulingStrategy {
  readonly name: string
  pick(candidates: readonly SchedulableNode[], expectedMs?: TaskEstimate): SchedulableNode | undefined
}
