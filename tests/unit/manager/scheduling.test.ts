import { describe, expect, it } from 'vitest'
import { leastCompletionTime } from '../../../manager/scheduling/least-completion-time.js'
import { strategies } from '../../../manager/scheduling/index.js'

const node = (id: string, workers: number, assignedCount: number, avgTaskMs: number) => ({ id, workers, assignedCount, avgTaskMs })

describe('least-completion-time', () => {
  it('prefers the node that would finish one more task first (avg × (running + 1))', () => {
    const fast = node('fast', 1, 3, 10) // 10 × 4 = 40
    const slow = node('slow', 1, 0, 50) // 50 × 1 = 50
    expect(leastCompletionTime.pick([slow, fast])?.id).toBe('fast')
    const busierFast = node('fast', 1, 5, 10) // 60
    expect(leastCompletionTime.pick([slow, busierFast])?.id).toBe('slow')
  })

  it('divides by worker count: a node with more workers takes more', () => {
    const big = node('big', 4, 3, 10) // 10 × 4/4 = 10
    const small = node('small', 1, 1, 10) // 10 × 2 = 20
    expect(leastCompletionTime.pick([small, big])?.id).toBe('big')
  })

  it('gives a node with no history the mean of the others', () => {
    const known = node('known', 1, 0, 10) // 10
    const fresh = node('fresh', 1, 1, 0) // mean 10 × 2 = 20
    expect(leastCompletionTime.pick([known, fresh])?.id).toBe('known')
    expect(leastCompletionTime.pick([node('a', 1, 0, 0), node('b', 1, 1, 0)])?.id).toBe('a')
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
