import type { SchedulableNode, SchedulingStrategy } from './strategy.js'

/**
 * The seed's rule: prefer the node with the lowest estimated completion time for one more
 * task, average task time × (tasks there + 1), here divided by its worker count since a node's
 * workers run in parallel. A node with no history borrows the mean of the others, so a fresh
 * node is neither flooded nor starved. Ties go to the node with fewer tasks per worker.
 */
export const leastCompletionTime: SchedulingStrategy = {
  name: 'least-completion-time',
  pick(candidates) {
    if (candidates.length <= 1) return candidates[0]
    let known = 0
    let sum = 0
    for (const node of candidates) {
      if (node.avgTaskMs > 0) {
        known++
        sum += node.avgTaskMs
      }
    }
    const fallbackMs = known > 0 ? sum / known : 1
    let best: SchedulableNode | undefined
    let bestEstimate = Infinity
    let bestLoad = Infinity
    for (const node of candidates) {
      const avg = node.avgTaskMs > 0 ? node.avgTaskMs : fallbackMs
      const load = (node.assignedCount + 1) / node.workers
      const estimate = avg * load
      if (estimate < bestEstimate || (estimate === bestEstimate && load < bestLoad)) {
        best = node
        bestEstimate = estimate
        bestLoad = load
      }
    }
    return best
  },
}
