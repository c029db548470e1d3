/**
 * Work stealing, decided without sockets: when nodes have free worker slots and nothing waits in
 * the manager's queue, take back tasks that busier nodes hold but have not started. The agent
 * hands back only tasks no child has started, so a steal never costs an attempt; the manager
 * puts them at the head of its queue and places them again by estimated completion time.
 */

import { STEAL_MIN_TASK_MS } from '../../protocol/index.js'

export { STEAL_MIN_TASK_MS }

/** A steal request unanswered this long is taken as lost (the slot accounting moves on), ms. */
export const STEAL_ANSWER_TIMEOUT_MS = 5000

/**
 * A node that handed back fewer tasks than asked is not asked again for this long, ms. Its
 * children may still hand some back (they follow on their own), and asking again at once would
 * trade requests and empty answers with it as fast as the link allows while its task runs.
 */
export const STEAL_RETRY_MS = 50

/** What the stealing policy sees of a node. */
export interface StealView {
  readonly id: string
  readonly workers: number
  /** Tasks given to the node and not yet answered. */
  readonly assignedCount: number
  /** Estimated ms of those tasks (an unmeasured task counted as long). */
  readonly heldMs: number
  /** Takes new work now (connected, in rotation, not leaving). */
  readonly takesWork: boolean
  /** Connected, supports stealing, and not already asked. */
  readonly canBeAsked: boolean
  /** Tasks asked of this node and not yet handed back (0 when none). */
  readonly stealPending: number
}

export interface StealRequest {
  readonly nodeId: string
  /** Most tasks to hand back. */
  readonly count: number
}

/**
 * Which nodes to ask for how many not-yet-started tasks. Idle slots count once: tasks already
 * being taken back for them are subtracted. Victims are nodes holding more tasks than workers
 * (those beyond the workers cannot all have started), richest in waiting work per worker first;
 * each gives at most its surplus, and only worthwhile tasks are moved (trivial ones finish
 * sooner than a round trip).
 *
 * @example
 * ```ts
 * planSteals([
 *   { id: 'a', workers: 2, assignedCount: 6, heldMs: 600, takesWork: true, canBeAsked: true, stealPending: 0 },
 *   { id: 'b', workers: 2, assignedCount: 0, heldMs: 0, takesWork: true, canBeAsked: true, stealPending: 0 },
 * ])   // [{ nodeId: 'a', count: 2 }]
 * ```
 */
export function planSteals(nodes: readonly StealView[]): StealRequest[] {
  let free = 0
  let coming = 0
  for (const node of nodes) {
    if (node.takesWork && node.assignedCount < node.workers) free += node.workers - node.assignedCount
    coming += node.stealPending
  }
  free -= coming
  if (free <= 0) return []
  const victims: { node: StealView; surplus: number; backlogPerWorker: number }[] = []
  for (const node of nodes) {
    if (!node.canBeAsked || node.stealPending > 0) continue
    const surplus = node.assignedCount - node.workers
    if (surplus <= 0) continue
    const perTaskMs = node.heldMs / node.assignedCount
    if (perTaskMs < STEAL_MIN_TASK_MS) continue
    victims.push({ node, surplus, backlogPerWorker: (surplus * perTaskMs) / node.workers })
  }
  victims.sort((a, b) => b.backlogPerWorker - a.backlogPerWorker)
  const requests: StealRequest[] = []
  for (const victim of victims) {
    if (free <= 0) break
    const count = Math.min(free, victim.surplus)
    requests.push({ nodeId: victim.node.id, count })
    free -= count
  }
  return requests
}
