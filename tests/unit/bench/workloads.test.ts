/**
 * The bench's workload arithmetic, driven by a scripted system (no processes): what W2 derives
 * from the samples its tasks return (idle gaps per worker, balance, efficiency), the checks that
 * stop a run on a wrong answer, the time limit on a stuck system, and the statistics.
 */
import { describe, expect, it } from 'vitest'
import { cpuPerTask } from '../../../bench/harness/cpu-accounting.js'
import { median, percentile } from '../../../bench/harness/stats.js'
import type { System } from '../../../bench/harness/system.js'
import type { CpuSample } from '../../../bench/harness/task-functions.js'
import { cpuBound, sequentialLatency, throughput, within } from '../../../bench/harness/workloads.js'

/** A system whose calls answer at once: `add` as given, `cpu10ms` with the scripted samples in turn. */
function scripted(options: { add?: (x: number, y: number) => number; samples?: CpuSample[] }): System {
  let next = 0
  return {
    name: 'scripted',
    description: 'answers from a script',
    start: async () => undefined,
    call: async (x, y) => (options.add ?? ((a, b) => a + b))(x, y),
    cpu10ms: async () => options.samples![next++]!,
    rotate: async (text) => text,
    isWorkerRole: () => false,
    stop: async () => undefined,
  }
}

describe('cpuBound (W2)', () => {
  it("measures each worker's idle time between its own tasks, whatever order the answers come in", async () => {
    // Worker 1 runs 10 ms tasks back to back with 0.5 ms between them; worker 2 with 1.5 ms.
    const t = 1_000_000
    const samples: CpuSample[] = [
      [2, t + 11.5, t + 21.5],
      [1, t, t + 10],
      [1, t + 10.5, t + 20.5],
      [2, t, t + 10],
      [1, t + 21, t + 31],
    ]
    const result = await cpuBound(scripted({ samples }), samples.length, 2)
    // Gaps: worker 1 0.5 and 0.5, worker 2 1.5: three gaps.
    expect(result.meanGapMs).toBeCloseTo((0.5 + 0.5 + 1.5) / 3, 9)
    expect(result.perWorker).toEqual([3, 2])
    expect(result.efficiency * result.wallMs * 2).toBeCloseTo(samples.length * 10, 6)
  })

  it('counts no gap for overlapping samples and none for a worker that ran one task', async () => {
    const samples: CpuSample[] = [
      [1, 100, 110],
      [1, 109, 119],
      [2, 100, 110],
    ]
    const result = await cpuBound(scripted({ samples }), samples.length, 2)
    expect(result.meanGapMs).toBe(0)
    expect(result.perWorker).toEqual([2, 1])
  })

  it('stops the run when a task does not report where and when it ran', async () => {
    const samples = [
      [1, 100, 110],
      [1, 110],
    ] as unknown as CpuSample[]
    await expect(cpuBound(scripted({ samples }), 2, 1)).rejects.toThrow(/no \[pid, start, end\]/)
  })
})

describe('W1 workloads', () => {
  it('runs every call and stops the run on a wrong sum', async () => {
    const calls: number[] = []
    const counting = scripted({ add: (x, y) => (calls.push(x), x + y) })
    const result = await throughput(counting, 500, 16)
    expect(calls.sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i))
    expect(result.tasksPerSecond).toBeGreaterThan(0)

    await expect(throughput(scripted({ add: (x, y) => (x === 7 ? 0 : x + y) }), 20, 4)).rejects.toThrow(
      'wrong result: 7 + 1 gave 0',
    )
    await expect(sequentialLatency(scripted({ add: () => -1 }), 3)).rejects.toThrow(/wrong result/)
  })
})

describe('within', () => {
  it('passes a result through, and rejects with the label once the limit passes', async () => {
    await expect(within(1_000, 'quick', Promise.resolve(42))).resolves.toBe(42)
    await expect(within(5, 'stuck system', new Promise(() => undefined))).rejects.toThrow(
      'stuck system did not finish within 5 ms',
    )
  })
})

describe('statistics', () => {
  it('takes percentiles by nearest rank and medians of odd and even counts', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(percentile(values, 50)).toBe(50)
    expect(percentile(values, 99)).toBe(99)
    expect(percentile(values, 100)).toBe(100)
    expect(percentile(values, 0)).toBe(1)
    expect(percentile([], 50)).toBeNaN()
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
    // The input is left as it was.
    expect(values[0]).toBe(100)
  })

  it('turns two CPU snapshots into µs per task per role, largest first, new roles counted from zero', () => {
    const before = new Map([
      ['manager', 100],
      ['agent', 50],
    ])
    const after = new Map([
      ['manager', 130],
      ['agent', 90],
      ['agent children', 5],
    ])
    expect(cpuPerTask(before, after, 1_000)).toEqual([
      ['agent', 40],
      ['manager', 30],
      ['agent children', 5],
    ])
  })
})
