import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LatencyWindow } from '../../../manager/latency-window.js'

/** The exact percentile of a sorted list, by the nearest-rank rule HDR histograms use. */
function nearestRank(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!
}

describe('LatencyWindow', () => {
  it('has no latency when no task finished in the sliding window, and the recent one otherwise', () => {
    const window = new LatencyWindow(3)
    expect(window.recentPercentiles(0.5)).toBeNull()
    for (let i = 0; i < 100; i++) window.record(40_000)
    window.mark()
    const [p50, p99] = window.recentPercentiles(0.5, 0.99)!
    expect(p50).toBeCloseTo(40_000, -3)
    expect(p99).toBeCloseTo(40_000, -3)
    // A fast task after the slow burst: once the burst slid out of the window, only it counts.
    window.record(0.371)
    window.mark()
    window.mark()
    expect(window.recentPercentiles(0.5)).toEqual([0.371])
    window.mark()
    expect(window.recentPercentiles(0.5)).toBeNull()
  })

  it('counts every task of the window, however many there were', () => {
    const window = new LatencyWindow(10)
    // 100,000 fast tasks, then 2,000 slow ones in the next second: the slow 2 % decide the p99.
    for (let i = 0; i < 100_000; i++) window.record(0.2)
    window.mark()
    for (let i = 0; i < 2_000; i++) window.record(50)
    const [p50, p99] = window.recentPercentiles(0.5, 0.99)!
    expect(p50).toBeCloseTo(0.2, 2)
    expect(p99).toBeGreaterThan(49)
  })

  it('keeps latencies past an hour and below a microsecond in range', () => {
    const window = new LatencyWindow(1)
    window.record(-1)
    window.record(10 * 3_600_000)
    const [low, high] = window.recentPercentiles(0.01, 1)!
    expect(low).toBe(0)
    expect(high).toBeGreaterThanOrEqual(3_600_000)
  })

  it('gives every percentile within 1 % of the exact one over the window (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: 0.001, max: 60_000, noNaN: true }), { maxLength: 50 }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (seconds, p) => {
          const windowSeconds = 3
          const window = new LatencyWindow(windowSeconds)
          seconds.forEach((latencies, index) => {
            if (index > 0) window.mark()
            for (const ms of latencies) window.record(ms)
          })
          // Only the last `windowSeconds` seconds count, in microseconds as recorded.
          const kept = seconds
            .slice(-windowSeconds)
            .flat()
            .map((ms) => Math.round(ms * 1000) / 1000)
            .sort((a, b) => a - b)
          const got = window.recentPercentiles(p)
          if (kept.length === 0) return got === null
          const exact = nearestRank(kept, p)
          const value = got![0]!
          return Math.abs(value - exact) <= exact * 0.01 + 0.001
        },
      ),
      { numRuns: 300 },
    )
  })
})
