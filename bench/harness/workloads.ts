/** The three workloads, written once against `System`. Every one of them is bounded in time. */
import { performance } from 'node:perf_hooks'
import { percentile } from './stats.js'
import type { System } from './system.js'
import { CPU_TASK_MS } from './task-functions.js'

/** Rejects if `work` has not settled within `ms`, so a stuck system cannot hang the run. */
export async function within<T>(ms: number, label: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not finish within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}

function checkSum(x: number, y: number, got: number): void {
  if (got !== x + y) throw new Error(`wrong result: ${x} + ${y} gave ${String(got)}`)
}

export interface LatencyResult {
  p50Ms: number
  p99Ms: number
}

/** W1a: `count` sequential add calls; per-call round-trip latency. */
export async function sequentialLatency(system: System, count: number): Promise<LatencyResult> {
  const latencies = new Array<number>(count)
  for (let i = 0; i < count; i++) {
    const t0 = performance.now()
    const got = await system.call(i, 1)
    latencies[i] = performance.now() - t0
    checkSum(i, 1, got)
  }
  return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) }
}

export interface ThroughputResult {
  tasksPerSecond: number
  wallMs: number
}

/** W1b: `count` add calls with at most `inFlight` outstanding at any time. */
export async function throughput(system: System, count: number, inFlight: number): Promise<ThroughputResult> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      checkSum(i, 1, await system.call(i, 1))
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane))
  const wallMs = performance.now() - t0
  return { tasksPerSecond: (count / wallMs) * 1000, wallMs }
}

export interface CpuResult {
  wallMs: number
  /** count × 10 ms ÷ (wall × workers): 1.0 means the workers never waited. */
  efficiency: number
}

/** W2: `count` busy-loop tasks submitted at once onto `workers` worker processes. */
export async function cpuBound(system: System, count: number, workers: number): Promise<CpuResult> {
  const t0 = performance.now()
  const spins = await Promise.all(Array.from({ length: count }, () => system.cpu10ms()))
  const wallMs = performance.now() - t0
  if (spins.some((s) => !(s > 0))) throw new Error('a CPU task returned no spin count')
  return { wallMs, efficiency: (count * CPU_TASK_MS) / (wallMs * workers) }
}
