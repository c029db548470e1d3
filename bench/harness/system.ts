/**
 * The one interface every benchmarked system implements, so the same workload code drives the
 * bare chain, Moleculer and Argon alike.
 */
import type { CpuSample } from './task-functions.js'

export interface System {
  /** Short name used in the table header. */
  readonly name: string
  /** One line saying what the system runs and how, printed with the results. */
  readonly description: string
  /** Starts every process the system needs with `workers` worker processes and waits until it is ready. */
  start(workers: number): Promise<void>
  /** Runs `(x, y) => x + y` on a worker and resolves with its result. */
  call(x: number, y: number): Promise<number>
  /** Runs the 10 ms busy loop on a worker; resolves with where and when it ran. */
  cpu10ms(): Promise<CpuSample>
  /** Runs `rotate(text)` on a worker (W4: a large argument and a large result). */
  rotate(text: string): Promise<string>
  /**
   * Whether a CPU-accounting role (see cpu-accounting.ts) is one of the processes that run the
   * tasks themselves; every other process's CPU is the system's overhead.
   */
  isWorkerRole(role: string): boolean
  /** Stops every process the system started (idempotent). */
  stop(): Promise<void>
}

/** Builds a fresh, stopped system. */
export type SystemFactory = () => System
