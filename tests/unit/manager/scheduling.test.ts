import { describe, expect, it } from 'vitest'
import { leastCompletionTime } from '../../../manager/scheduling/least-completion-time.js'
import { strategies, UNMEASURED_TASK_MS, type SchedulableNode } from '../../../manager/scheduling/index.js'

const node = (id: string, workers: number, assignedCount: number, heldMs: number): SchedulableNode => ({
  id,
  workers,
  assignedCount,
  heldMs,
})
const everywhere = (ms: number | undefined) => () => ms

describe('least-completion-time', () => {
  it('prefers the node that would finish this task first: (work there + the task) ÷ workers', () => {
    const fast = node('fast', 1, 3, 30) // (30 + 10) = 40
    const slow = node('slow', 1, 0, 0) // (0 + 50) = 50 on the slow node
    const perNode = (n: SchedulableNode) => (n.id === 'fast' ? 10 : 50)
    expect(leastCompletionTime.pick([slow, fast], perNode)?.id).toBe('fast')
    const busierFast = node('fast', 1, 5, 50) // 60
    expect(leastCompletionTime.pick([slow, busierFast], perNode)?.id).toBe('slow')
  })

  it('divides by worker count: a node with more workers takes more', () => {
    const big = node('big', 4, 3, 30) // (30 + 10) / 4 = 10
    const small = node('small', 1, 1, 10) // 20
    expect(leastCompletionTime.pick([small, big], everywhere(10))?.id).toBe('big')
  })

  it('counts work in time, not in tasks: one long task outweighs many short ones', () => {
    const holdsLong = node('long', 2, 1, 2000)
    const holdsShort = node('short', 2, 20, 200)
    expect(leastCompletionTime.pick([holdsLong, holdsShort], everywhere(10))?.id).toBe('short')
  })

  it('places an unmeasured task where the least work per worker waits, an unmeasured held task counting as long', () => {
    const a = node('a', 2, 1, UNMEASURED_TASK_MS)
    const b = node('b', 2, 1, 5)
    expect(leastCompletionTime.pick([a, b], everywhere(undefined))?.id).toBe('b')
    expect(leastCompletionTime.pick([node('a', 1, 0, 0), node('b', 1, 1, 0)], everywhere(undefined))?.id).toBe('a')
  })

  it('returns undefined with no candidates', () => {
    expect(leastCompletionTime.pick([])).toBeUndefined()
  })
})

describe('round-robin', () => {
  it('takes nodes in turn', () => {
    const strategy = strategies['round-robin']!()
    const nodes = [node('a', 1, 0, 0), node('b', 1, 0, 0)]
    const picks = [0, 1, 2, 3].map(() => strategy.pick(nodes)?.id)
    expect(new Set(picks)).toEqual(new Set(['a', 'b']))
    expect(picks[0]).not.toBe(picks[1])
  })
})
