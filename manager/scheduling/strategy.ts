/** What a scheduling strategy sees of a node that could take a task. */
export interface SchedulableNode {
  readonly id: string
  /** Worker processes on the node. */
  readonly workers: number
  /** Tasks assigned and not yet answered. */
  readonly assignedCount: number
  /** Mean run time of a task there, ms; 0 when unknown. */
  readonly avgTaskMs: number
}

/**
 * Picks the node for the next task among nodes that are in rotation and have room.
 * One file per strategy; `strategies` lists them by name.
 */
export interface SchedulingStrategy {
  readonly name: string
  pick(candidates: readonly SchedulableNode[]): SchedulableNode | undefined
}
