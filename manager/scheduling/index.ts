import { leastCompletionTime } from './least-completion-time.js'
import { roundRobin } from './round-robin.js'
import type { SchedulingStrategy } from './strategy.js'

export type { SchedulableNode, SchedulingStrategy, TaskEstimate } from './strategy.js'
export { UNMEASURED_TASK_MS } from './strategy.js'
export { FunctionRunTimes, RunTimeEstimates } from './estimates.js'
export {
  planSteals,
  STEAL_ANSWER_TIMEOUT_MS,
  STEAL_RETRY_MS,
  STEAL_MIN_TASK_MS,
  type StealRequest,
  type StealView,
} from './stealing.js'

/** Strategies by name. */
export const strategies: Record<string, () => SchedulingStrategy> = {
  'least-completion-time': () => leastCompletionTime,
  'round-robin': roundRobin,
}

export const DEFAULT_STRATEGY = 'least-completion-time'
