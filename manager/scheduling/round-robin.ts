import type { SchedulingStrategy } from './strategy.js'

/** Takes nodes in turn, ignoring their speed. Useful as a baseline. */
export function roundRobin(): SchedulingStrategy {
  let next = 0
  return {
    name: 'round-robin',
    pick(candidates) {
      if (candidates.length === 0) return undefined
      next = (next + 1) % candidates.length
      return candidates[next]
    },
  }
}
