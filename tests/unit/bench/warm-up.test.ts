import { describe, expect, it } from 'vitest'
import { warmUntilSteady } from '../../../bench/harness/warm-up.js'
import type { CpuSnapshot } from '../../../bench/harness/cpu-accounting.js'

/**
 * A simulated system: each pass costs the next of `passCostsMs` (CPU ms, for 1,000 tasks) in the
 * role `manager`, and a fixed 1,000 ms in `workers` that the rule must not count.
 */
function simulated(passCostsMs: number[]) {
  const cpu = new Map<string, number>([
    ['manager', 0],
    ['workers', 0],
  ])
  let passes = 0
  const pass = async (): Promise<void> => {
    cpu.set('manager', cpu.get('manager')! + (passCostsMs[passes] ?? passCostsMs.at(-1)!))
    cpu.set('workers', cpu.get('workers')! + 1_000)
    passes++
    await Promise.resolve()
  }
  const snapshot = (): CpuSnapshot => new Map(cpu)
  return { pass, snapshot, passes: () => passes }
}

const counts = (role: string): boolean => role !== 'workers'
const rule = { tasks: 1_000, settled: 0.95, minPasses: 3, maxPasses: 8 }

describe('warmUntilSteady', () => {
  it('stops at the first pass, past the minimum, that costs at least 95 % of the one before', async () => {
    // µs per task: 300, 200, 150, 146 (≥ 0.95 × 150: steady at pass 4).
    const system = simulated([300, 200, 150, 146, 100])
    const result = await warmUntilSteady(system.pass, counts, { ...rule, snapshot: system.snapshot })
    expect(result).toEqual({ tasks: 4_000, lastCpuUs: 146, steady: true })
    expect(system.passes()).toBe(4)
  })

  it('runs the minimum number of passes even when the first ones already agree', async () => {
    const system = simulated([100, 100, 100, 100])
    const result = await warmUntilSteady(system.pass, counts, { ...rule, snapshot: system.snapshot })
    expect(result.tasks).toBe(3_000)
    expect(result.steady).toBe(true)
  })

  it('gives up at the maximum and says it did not settle', async () => {
    // Each pass 20 % cheaper than the one before: never within 5 %.
    const system = simulated([1000, 800, 640, 512, 410, 328, 262, 210, 168])
    const result = await warmUntilSteady(system.pass, counts, { ...rule, snapshot: system.snapshot })
    expect(result).toEqual({ tasks: 8_000, lastCpuUs: 210, steady: false })
  })

  it('counts only the roles it is given: the workers’ own CPU does not decide', async () => {
    const system = simulated([300, 200, 150, 146])
    const all = await warmUntilSteady(system.pass, () => true, { ...rule, snapshot: system.snapshot })
    // With the workers' 1,000 µs per task counted, 1,200 → 1,150 is already within 5 %.
    expect(all).toMatchObject({ tasks: 3_000, lastCpuUs: 1_150, steady: true })
  })
})
