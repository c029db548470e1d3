import { describe, expect, it } from 'vitest'
import { retryDelay } from '../../../client/retry-delay.js'

describe('retryDelay', () => {
  it('grows exponentially from the base with jitter in the upper half', () => {
    expect(retryDelay(1, 100, 10_000, () => 0)).toBe(50)
    expect(retryDelay(1, 100, 10_000, () => 1)).toBe(100)
    expect(retryDelay(4, 100, 10_000, () => 1)).toBe(800)
    expect(retryDelay(4, 100, 10_000, () => 0)).toBe(400)
  })

  it('is capped', () => {
    expect(retryDelay(30, 100, 10_000, () => 1)).toBe(10_000)
  })

  it('jitters: two clients rarely pick the same delay', () => {
    const delays = new Set(Array.from({ length: 20 }, () => retryDelay(5, 100, 10_000)))
    expect(delays.size).toBeGreaterThan(10)
  })
})
