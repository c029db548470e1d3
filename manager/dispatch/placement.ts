import { refillPairHasRoom, windowHasRoom } from '../../protocol/index.js'
import type { NodeEntry } from '../node-entry.js'
import type { NodeRegistry } from '../node-registry.js'
import type { RunTimeEstimates, SchedulingStrategy } from '../scheduling/index.js'
import type { TaskQueue } from '../task-queue.js'
import { dispatchTo, type TaskEntry } from './task-entry.js'

/**
 * Routing: places waiting tasks on nodes with room, best node first (the strategy decides), until
 * the queue or the room runs out. Each node's window is sized in time from what it holds and what
 * the next task is expected to take there.
 *
 * @example
 * ```ts
 * const placement = new TaskPlacement(nodes, estimates, leastCompletionTime)
 * placement.place(queue)   // every task that fits somewhere is now on its way to a node
 * ```
 */
export class TaskPlacement {
  readonly #nodes: NodeRegistry
  readonly #estimates: RunTimeEstimates
  readonly #strategy: SchedulingStrategy
  readonly #candidates: NodeEntry[] = []
  readonly #fits: NodeEntry[] = []
  readonly #expected = new Map<string, number | undefined>()
  /** Nodes given exactly one task so far in the current pass: a refill pair may follow (see refillPairHasRoom). */
  readonly #pairOpen = new Set<NodeEntry>()
  /** Nodes given a task in the current pass. */
  readonly #given = new Set<NodeEntry>()

  constructor(nodes: NodeRegistry, estimates: RunTimeEstimates, strategy: SchedulingStrategy) {
    this.#nodes = nodes
    this.#estimates = estimates
    this.#strategy = strategy
  }

  /** Whether the node may be given new work now. */
  takesWork(node: NodeEntry): boolean {
    // A node that never sent a heartbeat is not known to be alive and working: no tasks for it yet.
    return node.link !== null && node.heartbeat !== null && !node.leaving && !this.#nodes.isDrained(node.name)
  }

  place(queue: TaskQueue<TaskEntry>): void {
    const candidates = this.#candidates
    const fits = this.#fits
    const expected = this.#expected
    const pairOpen = this.#pairOpen
    const given = this.#given
    candidates.length = 0
    for (const node of this.#nodes.all()) if (this.takesWork(node)) candidates.push(node)
    let lastKey: string | undefined
    while (candidates.length > 0 && queue.size > 0) {
      const key = queue.peek()!.fn.key
      if (key !== lastKey) {
        // Tasks of one function usually come in runs: estimate per node once per run.
        lastKey = key
        expected.clear()
        for (const node of candidates) expected.set(node.id, this.#estimates.expected(key, node.id))
      }
      fits.length = 0
      for (const node of candidates) {
        const taskMs = expected.get(node.id)
        if (windowHasRoom(node.assigned, taskMs) || (pairOpen.has(node) && refillPairHasRoom(node.assigned, taskMs)))
          fits.push(node)
      }
      if (fits.length === 0) break
      const node = this.#strategy.pick(fits, (candidate) => expected.get(candidate.id)) as NodeEntry
      dispatchTo(queue.shift()!, node, expected.get(node.id))
      if (given.has(node)) pairOpen.delete(node)
      else {
        given.add(node)
        pairOpen.add(node)
      }
    }
    candidates.length = 0
    fits.length = 0
    pairOpen.clear()
    given.clear()
  }
}
