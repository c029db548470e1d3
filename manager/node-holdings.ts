import type { HeldWork } from '../protocol/index.js'

/** The weight of a task whose function has not been measured. */
const UNKNOWN = -1

/**
 * The tasks a node holds (given to it, not yet answered) with the run time the manager expected
 * of each when it sent it, so the node's held work is known in time, not only in task count.
 * Used like a Set of task ids; `add` takes the estimate (undefined: never measured) and the
 * attempt it was sent as, so that a late answer of an earlier attempt of the same task (sent to
 * this node before it reconnected) does not end the hold of the attempt it runs now.
 */
export class NodeHoldings implements HeldWork, Iterable<string> {
  readonly #tasks = new Map<string, number>()
  /** Attempts other than the first, by task id (most tasks run once: this stays empty). */
  readonly #attempts = new Map<string, number>()
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

  /** The attempt the node holds the task as, or undefined when it does not hold it. */
  attemptOf(id: string): number | undefined {
    if (!this.#tasks.has(id)) return undefined
    return this.#attempts.size === 0 ? 1 : (this.#attempts.get(id) ?? 1)
  }

  add(id: string, expectedMs?: number, attempt = 1): void {
    if (this.#tasks.has(id)) this.delete(id)
    const weight = expectedMs ?? UNKNOWN
    this.#tasks.set(id, weight)
    if (attempt !== 1) this.#attempts.set(id, attempt)
    if (weight === UNKNOWN) this.#unknown++
    else this.#knownMs += weight
  }

  /**
   * Ends the hold of a task; with `attempt`, only if the node holds it as that attempt. True if it
   * was held (and is no longer).
   */
  delete(id: string, attempt?: number): boolean {
    const weight = this.#tasks.get(id)
    if (weight === undefined) return false
    if (this.#attempts.size > 0) {
      if (attempt !== undefined && (this.#attempts.get(id) ?? 1) !== attempt) return false
      this.#attempts.delete(id)
    } else if (attempt !== undefined && attempt !== 1) return false
    this.#tasks.delete(id)
    if (weight === UNKNOWN) this.#unknown--
    else this.#knownMs = this.#tasks.size === 0 ? 0 : Math.max(0, this.#knownMs - weight)
    return true
  }

  clear(): void {
    this.#tasks.clear()
    this.#attempts.clear()
    this.#knownMs = 0
    this.#unknown = 0
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.#tasks.keys()
  }
}
