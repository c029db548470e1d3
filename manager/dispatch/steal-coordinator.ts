import type { NodeEntry } from '../node-entry.js'
import type { NodeRegistry } from '../node-registry.js'
import { planSteals, STEAL_ANSWER_TIMEOUT_MS, STEAL_RETRY_MS, type StealView } from '../scheduling/index.js'

/**
 * Work stealing between nodes, the manager's side: asks busy nodes for tasks they hold but have
 * not started when others have free slots and nothing waits, and keeps the tally of what came
 * back. Which tasks to ask for is decided by `planSteals`; what happens to a returned task is the
 * dispatcher's (it waits again, uncounted).
 */
export class StealCoordinator {
  readonly #nodes: NodeRegistry
  readonly #takesWork: (node: NodeEntry) => boolean
  /** Tasks taken back from nodes that had not started them, to run elsewhere. */
  stolen = 0

  constructor(nodes: NodeRegistry, takesWork: (node: NodeEntry) => boolean) {
    this.#nodes = nodes
    this.#takesWork = takesWork
  }

  /** With nothing left waiting: asks busy nodes for work for the idle ones. */
  askForIdle(): void {
    const now = performance.now()
    const views: StealView[] = []
    for (const node of this.#nodes.all()) {
      if (node.link === null) continue
      if (node.stealPending > 0 && now - node.stealAskedAt > STEAL_ANSWER_TIMEOUT_MS) node.stealPending = 0
      views.push({
        id: node.id,
        workers: node.workers,
        assignedCount: node.assigned.size,
        heldMs: node.heldMs,
        takesWork: this.#takesWork(node),
        canBeAsked: node.link.steal !== undefined && !node.leaving && now >= node.stealQuietUntil,
        stealPending: node.stealPending,
      })
    }
    if (views.length < 2) return
    for (const request of planSteals(views)) {
      const victim = this.#nodes.get(request.nodeId)!
      victim.stealPending = request.count
      victim.stealAskedAt = now
      victim.link!.steal!(request.count)
    }
  }

  /**
   * The node handed tasks back; `taken` of them were still its own. An answer when no request is
   * pending is what its children handed back later: counted, and nothing else changes.
   */
  answered(node: NodeEntry, taken: number): void {
    if (node.stealPending > 0) {
      if (taken < node.stealPending) node.stealQuietUntil = performance.now() + STEAL_RETRY_MS
      node.stealPending = 0
    }
    node.stolen += taken
    this.stolen += taken
  }
}
