import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FunctionRunTimes, RunTimeEstimates } from '../../../manager/scheduling/estimates.js'

describe('RunTimeEstimates', () => {
  it('knows nothing of a function that never finished, whatever else the node ran', () => {
    const estimates = new RunTimeEstimates()
    for (let i = 0; i < 2000; i++) estimates.record('trivial', 'a', 0.01)
    expect(estimates.expected('trivial', 'a')).toBeCloseTo(0.01)
    expect(estimates.expected('sleep', 'a')).toBeUndefined()
    expect(estimates.expected('sleep', 'b')).toBeUndefined()
  })

  it('keeps a figure per function and per node', () => {
    const estimates = new RunTimeEstimates()
    estimates.record('sleep', 'fast', 100)
    estimates.record('sleep', 'slow', 200)
    estimates.record('add', 'fast', 0.02)
    expect(estimates.expected('sleep', 'fast')).toBe(100)
    expect(estimates.expected('sleep', 'slow')).toBe(200)
    expect(estimates.expected('add', 'fast')).toBe(0.02)
  })

  it('gives a node that never ran a function the cluster figure, scaled by how that node compares elsewhere', () => {
    const estimates = new RunTimeEstimates()
    estimates.record('f', 'fast', 100)
    estimates.record('f', 'slow', 200) // the slow node measured twice the cluster's mean
    estimates.record('g', 'fast', 50)
    expect(estimates.expected('g', 'fresh')).toBe(50) // nothing known of this node: the cluster's figure
    expect(estimates.expected('g', 'slow')!).toBeGreaterThan(50)
  })

  it('follows a change within a few runs', () => {
    const estimates = new RunTimeEstimates()
    for (let i = 0; i < 50; i++) estimates.record('f', 'a', 10)
    for (let i = 0; i < 10; i++) estimates.record('f', 'a', 100)
    expect(estimates.expected('f', 'a')!).toBeGreaterThan(90)
  })

  it('stays bounded, forgetting the least recently measured function', () => {
    const estimates = new RunTimeEstimates(3)
    estimates.record('a', 'n', 1)
    estimates.record('b', 'n', 1)
    estimates.record('c', 'n', 1)
    estimates.record('a', 'n', 1)
    estimates.record('d', 'n', 1)
    expect(estimates.size).toBe(3)
    expect(estimates.expected('b', 'n')).toBeUndefined()
    expect(estimates.expected('a', 'n')).toBe(1)
  })

  it('forgets a node', () => {
    const estimates = new RunTimeEstimates()
    estimates.record('f', 'a', 10)
    estimates.record('f', 'b', 30)
    estimates.forgetNode('b')
    expect(estimates.expected('f', 'b')).toBe(estimates.expected('f', 'fresh')) // the cluster's figure, nothing of its own
  })

  it('is always positive and finite once measured (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom('f', 'g'), fc.constantFrom('a', 'b'), fc.double({ min: 0, max: 1e6, noNaN: true })),
          { minLength: 1, maxLength: 50 },
        ),
        (runs) => {
          const estimates = new RunTimeEstimates()
          for (const [key, node, ms] of runs) estimates.record(key, node, ms)
          for (const [key, node] of runs) {
            const value = estimates.expected(key, node)!
            expect(value).toBeGreaterThan(0)
            expect(Number.isFinite(value)).toBe(true)
          }
        },
      ),
    )
  })
})

describe('FunctionRunTimes', () => {
  it('is unknown until measured, then follows the runs', () => {
    const times = new FunctionRunTimes()
    expect(times.expected('f')).toBeUndefined()
    times.record('f', 0)
    expect(times.expected('f')).toBeGreaterThan(0)
    times.record('f', 100)
    expect(times.expected('f')!).toBeGreaterThan(10)
  })
})
