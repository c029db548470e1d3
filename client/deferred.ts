/** The seed's list form of a deferred, typed by position. */
export type DeferredPair<T> = readonly [deferred: Deferred<T>, isFinished: () => boolean]

/**
 * A task started now; call it to wait for the result. It is also the seed's `[deferred, isFinished]`
 * pair: `pair` holds it typed by position; iterating it (JavaScript destructuring) gives the same two.
 *
 * @example
 * ```ts
 * const later = client.defer((x: number, y: number) => x * y, [4, 7])
 * console.log(later.isFinished(), await later())   // false 28
 * const [deferred, isFinished] = later.pair        // Deferred<number>, () => boolean
 * ```
 */
export interface Deferred<T> {
  (): Promise<T>
  /** Whether the task has finished (succeeded or failed); needs no `this`, so it can be passed around. */
  readonly isFinished: () => boolean
  /** `[this, this.isFinished]`, typed by position (TypeScript types what an iterator yields as one union). */
  readonly pair: DeferredPair<T>
  [Symbol.iterator](): Iterator<DeferredPair<T>[number]>
}

/** The deferred of a started task's promise; a rejection never goes unhandled while nobody waits. */
export function deferredOf<T>(started: Promise<T>): Deferred<T> {
  let finished = false
  const promise = started.finally(() => {
    finished = true
  })
  // The caller may never synchronise; a rejection must not crash the process meanwhile.
  promise.catch(() => undefined)
  const deferred = (() => promise) as Deferred<T>
  const isFinished = () => finished
  const pair: DeferredPair<T> = [deferred, isFinished]
  Object.assign(deferred, { isFinished, pair, [Symbol.iterator]: () => pair[Symbol.iterator]() })
  return deferred
}
