import type { HeldWork } from '../protocol/index.js'

/** The weight of a task whose function has not been measured. */
const UNKNOWN = -1

/**
 * The tasks a node holds (given to it, not yet answered) with the run time the manager expected
 * of each when it sent it, so the node's held work is known in time, not only in task count.
 * Used like a Set of task ids; `add` takes the estimate (undefined: never measured).
 */
export class NodeHoldings implements HeldWork, Iterable<string> {
  readonly #tasks = new Map<string, number>()
  #knownMs = 0
  #unknown = 0

  constructor(readonly workers: () => number) {}

  get slots(): number {
    return this.workers()
  }

  get size(): number {
    return this.#tasks.size
  }

  get count(): number {
    return this.#tasks.size
  }

  /** Estimated ms of the held tasks whose function has been measured. */
  get knownMs(): number {
    return this.#knownMs
  }

  /** Held tasks whose function was unmeasured when they were sent. */
  get unknown(): number {
    return this.#unknown
  }

  has(id: string): boolean {
    return this.#tasks.has(id)
  }

  add(id: string, expectedMs?: number): void {
    if (this.#tasks.has(id)) this.delete(id)
    const weight = expectedMs ?? UNKNOWN
    this.#tasks.set(id, weight)
    if (weight === UNKNOWN) this.#unknown++
    else this.#knownMs += weight
  }

  delete(id: string): boolean {
    const weight = this.#tasks.get(id)
    if (weight === undefined) return false
    this.#tasks.delete(id)
    if (weight === UNKNOWN) this.#unknown--
    else this.#knownMs = this.#tasks.size === 0 ? 0 : Math.max(0, this.#knownMs - weight)
    return true
  }

  clear(): void {
    this.#tasks.clear()
    this.#knownMs = 0
    this.#unknown = 0
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.#tasks.keys()
  }
}
