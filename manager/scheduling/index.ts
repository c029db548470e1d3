import { leastCompletionTime } from './least-completion-time.js'
import { roundRobin } from './round-robin.js'
import type { SchedulingStrategy } from './strategy.js'

export type { SchedulableNode, SchedulingStrategy } from './strategy.js'

/** Strategies by name. */
export const strategies: Record<string, () => SchedulingStrategy> = {
  'least-completion-time': () => leastCompletionTime,
  'round-robin': roundRobin,
}

export const DEFAULT_STRATEGY = 'least-completion-time'
