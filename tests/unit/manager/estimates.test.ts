import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NodeEntry } from '../../../manager/node-entry.js'
import { FunctionRunTimes, MAX_RECORDED_RUN_MS, RunTimeEstimates } from '../../../manager/scheduling/estimates.js'

/** Run times an outcome must never bring into a mean (a reader lets none through; a second line). */
const NOT_RUN_TIMES = [Infinity, -Infinity, NaN, -1, -Number.MIN_VALUE]
const notARunTime = fc.oneof(fc.constantFrom(...NOT_RUN_TIMES), fc.double({ max: -Number.MIN_VALUE }))

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

  it('ignores a run time that is not finite and non-negative', () => {
    const estimates = new RunTimeEstimates()
    for (const ms of NOT_RUN_TIMES) estimates.record('never', 'a', ms)
    expect(estimates.expected('never', 'a')).toBeUndefined()
    expect(estimates.size).toBe(0)
    estimates.record('f', 'a', 10)
    estimates.record('f', 'b', 10)
    for (const ms of NOT_RUN_TIMES) {
      estimates.record('f', 'a', ms)
      estimates.record('f', 'c', ms)
    }
    expect(estimates.expected('f', 'a')).toBe(10)
    expect(estimates.expected('f', 'c')).toBe(10) // the cluster's figure: nothing of its own, no speed
  })

  it('counts a huge run as MAX_RECORDED_RUN_MS, so sums of estimates stay finite', () => {
    const estimates = new RunTimeEstimates()
    estimates.record('f', 'a', Number.MAX_VALUE)
    estimates.record('f', 'a', Number.MAX_VALUE)
    expect(estimates.expected('f', 'a')).toBe(MAX_RECORDED_RUN_MS)
    expect(Number.isFinite(estimates.expected('f', 'a')! * 10_000)).toBe(true)
  })

  it('is always positive and finite once measured, whatever run times come in (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('f', 'g', 'h'),
            fc.constantFrom('a', 'b'),
            fc.oneof(
              { weight: 3, arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }) },
              { weight: 1, arbitrary: fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }) },
              { weight: 1, arbitrary: notARunTime },
            ),
          ),
          { minLength: 1, maxLength: 50 },
        ),
        (runs) => {
          const estimates = new RunTimeEstimates()
          for (const [key, node, ms] of runs) estimates.record(key, node, ms)
          for (const [key, node] of runs) {
            const value = estimates.expected(key, node)
            const measured = runs.some(([k, , m]) => k === key && Number.isFinite(m) && m >= 0)
            if (!measured) {
              expect(value).toBeUndefined()
              continue
            }
            expect(value).toBeGreaterThan(0)
            // At most the longest run, scaled by the slowest a node can compare (100×).
            expect(value).toBeLessThanOrEqual(MAX_RECORDED_RUN_MS * 100)
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

  it('ignores a run time that is not finite and non-negative', () => {
    const times = new FunctionRunTimes()
    for (const ms of NOT_RUN_TIMES) times.record('never', ms)
    expect(times.expected('never')).toBeUndefined()
    expect(times.size).toBe(0)
    times.record('f', 10)
    for (const ms of NOT_RUN_TIMES) times.record('f', ms)
    expect(times.expected('f')).toBe(10)
  })
})

describe('NodeEntry.recordRun', () => {
  const entry = () => new NodeEntry({ id: 'a', name: 'a', host: 'h', workers: 1, version: '0' })

  it('ignores a run time that is not finite and non-negative', () => {
    const fresh = entry()
    for (const ms of NOT_RUN_TIMES) fresh.recordRun(ms)
    expect(fresh.avgTaskMs).toBe(0)
    const measured = entry()
    measured.recordRun(10)
    for (const ms of NOT_RUN_TIMES) measured.recordRun(ms)
    expect(measured.avgTaskMs).toBe(10)
  })

  it('keeps a finite, positive average whatever run times come in (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }), notARunTime), { maxLength: 30 }),
        (runs) => {
          const node = entry()
          for (const ms of runs) node.recordRun(ms)
          if (runs.some((ms) => Number.isFinite(ms) && ms >= 0)) {
            expect(node.avgTaskMs).toBeGreaterThan(0)
            expect(node.avgTaskMs).toBeLessThanOrEqual(MAX_RECORDED_RUN_MS)
          } else expect(node.avgTaskMs).toBe(0)
        },
      ),
    )
  })
})
