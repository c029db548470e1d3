/**
 * Warm-up to a steady state. A long-running cluster runs its hot path optimised; a fixed,
 * short warm-up measures instead how fast each system's JIT gets there, which depends on how
 * much code lies on the path rather than on what a task costs. So every system gets the same
 * rule: the workload in passes, at least a few, until the CPU per task of the processes that
 * carry the tasks stops falling.
 */
import { cpuSnapshot, type CpuSnapshot } from './cpu-accounting.js'

export interface WarmUpOptions {
  /** Tasks per pass. */
  tasks: number
  /** Steady when a pass costs no less than this fraction of the pass before it (0.95: within 5 %). */
  settled: number
  /** At least this many passes: a JIT improves in steps, with plateaus in between. */
  minPasses: number
  /** At most this many passes, steady or not. */
  maxPasses: number
  /** Where CPU time is read (default: the benchmarked processes, from /proc). */
  snapshot?: () => CpuSnapshot
}

export interface WarmUpResult {
  /** Tasks run. */
  tasks: number
  /** CPU µs per task of the last pass, over the counted processes. */
  lastCpuUs: number
  /** Whether the rule was met before `maxPasses`. */
  steady: boolean
}

function totalMs(snapshot: CpuSnapshot, counts: (role: string) => boolean): number {
  let sum = 0
  for (const [role, ms] of snapshot) if (counts(role)) sum += ms
  return sum
}

/**
 * Runs `pass` (which runs `options.tasks` tasks) until the CPU per task of the processes
 * `counts` selects settles (see `WarmUpOptions`).
 *
 * @example
 * ```ts
 * await warmUntilSteady(() => sequentialLatency(system, 2_000), () => true, { tasks: 2_000, settled: 0.95, minPasses: 5, maxPasses: 15 })
 * ```
 */
export async function warmUntilSteady(
  pass: () => Promise<unknown>,
  counts: (role: string) => boolean,
  options: WarmUpOptions,
): Promise<WarmUpResult> {
  const snapshot = options.snapshot ?? cpuSnapshot
  let previous = Number.POSITIVE_INFINITY
  for (let passes = 1; ; passes++) {
    const before = totalMs(snapshot(), counts)
    await pass()
    const perTask = ((totalMs(snapshot(), counts) - before) * 1000) / options.tasks
    const steady = passes >= options.minPasses && perTask >= previous * options.settled
    if (steady || passes >= options.maxPasses) return { tasks: passes * options.tasks, lastCpuUs: perTask, steady }
    previous = perTask
  }
}
