/** The three workloads, written once against `System`. Every one of them is bounded in time. */
import { performance } from 'node:perf_hooks'
import { percentile } from './stats.js'
import type { System } from './system.js'
import { CPU_TASK_MS, type CpuSample } from './task-functions.js'

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
  /** Mean time a worker sat idle between finishing one task and starting its next one. */
  meanGapMs: number
  /** From submitting the batch to the first task starting on a worker. */
  leadInMs: number
  /** From the last task ending on a worker to its result reaching the caller. */
  tailMs: number
  /** Tasks each worker process ran, in descending order (balance). */
  perWorker: number[]
}

/** W2: `count` busy-loop tasks submitted at once onto `workers` worker processes. */
export async function cpuBound(system: System, count: number, workers: number): Promise<CpuResult> {
  const t0 = performance.now()
  const samples = await Promise.all(Array.from({ length: count }, () => system.cpu10ms()))
  const t1 = performance.now()
  const wallMs = t1 - t0
  if (samples.some((sample) => !Array.isArray(sample) || sample.length !== 3))
    throw new Error('a CPU task returned no [pid, start, end]')
  const byPid = new Map<number, CpuSample[]>()
  for (const sample of samples) byPid.set(sample[0], [...(byPid.get(sample[0]) ?? []), sample])
  let gaps = 0
  let gapCount = 0
  for (const runs of byPid.values()) {
    runs.sort((a, b) => a[1] - b[1])
    for (let i = 1; i < runs.length; i++) {
      gaps += Math.max(0, runs[i]![1] - runs[i - 1]![2])
      gapCount++
    }
  }
  // Epoch times from the workers against this process's clock: fine to a fraction of a millisecond.
  const epoch = (t: number): number => performance.timeOrigin + t
  return {
    wallMs,
    efficiency: (count * CPU_TASK_MS) / (wallMs * workers),
    meanGapMs: gapCount > 0 ? gaps / gapCount : Number.NaN,
    leadInMs: Math.min(...samples.map((s) => s[1])) - epoch(t0),
    tailMs: epoch(t1) - Math.max(...samples.map((s) => s[2])),
    perWorker: [...byPid.values()].map((runs) => runs.length).sort((a, b) => b - a),
  }
}

export interface PayloadResult {
  /** Argument plus result bytes moved per second, MB (10^6 bytes). */
  megabytesPerSecond: number
  wallMs: number
}

/** W4: `count` rotate calls with a `bytes`-long string argument (and result), at most `inFlight` outstanding. */
export async function largePayloads(
  system: System,
  count: number,
  bytes: number,
  inFlight: number,
): Promise<PayloadResult> {
  const text = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(bytes / 36)).slice(0, bytes)
  const expected = text.slice(1) + text.charAt(0)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < count) {
      next++
      const got = await system.rotate(text)
      if (got.length !== expected.length || got.charCodeAt(got.length - 1) !== expected.charCodeAt(expected.length - 1))
        throw new Error('wrong W4 result')
    }
  }
  const start = performance.now()
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane))
  const wallMs = performance.now() - start
  return { megabytesPerSecond: (count * bytes * 2) / 1e6 / (wallMs / 1000), wallMs }
}
