import { UNMEASURED_TASK_MS, type SchedulableNode, type SchedulingStrategy } from './strategy.js'

/**
 * The seed's rule, per function: prefer the node with the lowest estimated completion time for
 * this task, expected run time × (work already there + 1) ÷ workers. Work is counted in time, from
 * the estimates of the tasks the node holds, and the task's own run time is the one measured for
 * its function on that node (a slower node measures slower). A task whose function has never
 * been measured costs the same everywhere, so it goes where the least work per worker waits.
 * Ties go to the node with fewer tasks per worker.
 */
export const leastCompletionTime: SchedulingStrategy = {
  name: 'least-completion-time',
  pick(candidates, expectedMs) {
    if (candidates.length <= 1) return candidates[0]
    let best: SchedulableNode | undefined
    let bestEstimate = Infinity
    let bestLoad = Infinity
    for (const node of candidates) {
      const taskMs = expectedMs?.(node) ?? UNMEASURED_TASK_MS
      const estimate = (node.heldMs + taskMs) / node.workers
      const load = (node.assignedCount + 1) / node.workers
      if (estimate < bestEstimate || (estimate === bestEstimate && load < bestLoad)) {
        best = node
        bestEstimate = estimate
        bestLoad = load
      }
    }
    return best
  },
}
