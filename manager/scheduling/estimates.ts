/**
 * Run-time statistics per task function, as Dask keeps them per task prefix: a function that has
 * never finished is unknown (the caller gives it one task per worker until it is measured), never
 * "as fast as whatever ran last". Keys are a function's stable key (its source text, or
 * `module#export`), so the statistics survive however the wire carries functions.
 */

/** Weight of a new run in the moving mean: recent enough to follow a change, steady enough to ignore one outlier. */
const NEW_RUN_WEIGHT = 0.3

/** Functions remembered at most; past that the least recently measured is forgotten. */
export const MAX_ESTIMATED_FUNCTIONS = 2000

/**
 * Longest run time a mean takes in, ms (what a Node timer can hold, about 25 days): a longer run
 * counts as this long, so a sum of a node's held work stays finite however many runs are huge.
 */
export const MAX_RECORDED_RUN_MS = 2 ** 31 - 1

/**
 * True when `ms` can enter a mean. Frames are checked where they are read; this is a second line:
 * one Infinity would stay in a mean for good (and Infinity − Infinity makes a node's held work NaN).
 */
export function isRunTime(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0
}

/** An exponentially weighted mean of run times. */
class RunTime {
  meanMs = 0
  runs = 0

  add(ms: number): void {
    // A run of 0 ms still means "fast"; keep the estimate positive once known.
    const value = Math.min(Math.max(ms, 0.001), MAX_RECORDED_RUN_MS)
    this.meanMs = this.runs === 0 ? value : this.meanMs * (1 - NEW_RUN_WEIGHT) + value * NEW_RUN_WEIGHT
    this.runs++
  }
}

/**
 * Expected run time per function (one place, e.g. the workers of one agent).
 *
 * @example
 * ```ts
 * const times = new FunctionRunTimes()
 * times.expected('s(a) => a')      // undefined: never measured
 * times.record('s(a) => a', 0.02)
 * times.expected('s(a) => a')      // 0.02
 * ```
 */
export class FunctionRunTimes {
  readonly #byKey = new Map<string, RunTime>()
  constructor(readonly limit = MAX_ESTIMATED_FUNCTIONS) {}

  get size(): number {
    return this.#byKey.size
  }

  /** Records a run; a run time that is not a finite, non-negative number is ignored (see `isRunTime`). */
  record(key: string, ms: number): void {
    if (!isRunTime(ms)) return
    let time = this.#byKey.get(key)
    if (time === undefined) {
      if (this.#byKey.size >= this.limit) this.#byKey.delete(this.#byKey.keys().next().value!)
      time = new RunTime()
    } else {
      // Most recently measured last, so the oldest goes first when full.
      this.#byKey.delete(key)
    }
    this.#byKey.set(key, time)
    time.add(ms)
  }

  /** Mean run time in ms, or undefined when the function has never finished here. */
  expected(key: string): number | undefined {
    return this.#byKey.get(key)?.meanMs
  }
}

interface FunctionEstimate {
  /** Over every node. */
  readonly cluster: RunTime
  /** Per node id. */
  readonly byNode: Map<string, RunTime>
}

/**
 * The manager's estimates: per function, per node. A node's own measurements come first (nodes
 * differ in speed); a function measured only elsewhere gets the cluster's mean scaled by how this
 * node compares on other functions; a function measured nowhere is unknown.
 *
 * @example
 * ```ts
 * const estimates = new RunTimeEstimates()
 * estimates.record('s(ms) => sleep(ms)', 'node-a', 100)
 * estimates.expected('s(ms) => sleep(ms)', 'node-a')   // 100
 * estimates.expected('s(ms) => sleep(ms)', 'node-b')   // 100 (the cluster's mean)
 * estimates.expected('s() => 1', 'node-a')              // undefined
 * ```
 */
export class RunTimeEstimates {
  readonly #byKey = new Map<string, FunctionEstimate>()
  /** Per node: how its run times compare with the cluster's (1 = average), over every function. */
  readonly #speed = new Map<string, RunTime>()
  constructor(readonly limit = MAX_ESTIMATED_FUNCTIONS) {}

  get size(): number {
    return this.#byKey.size
  }

  /** Records a run; a run time that is not a finite, non-negative number is ignored (see `isRunTime`). */
  record(key: string, nodeId: string, ms: number): void {
    if (!isRunTime(ms)) return
    let estimate = this.#byKey.get(key)
    if (estimate === undefined) {
      if (this.#byKey.size >= this.limit) this.#byKey.delete(this.#byKey.keys().next().value!)
      estimate = { cluster: new RunTime(), byNode: new Map() }
    } else {
      this.#byKey.delete(key)
    }
    this.#byKey.set(key, estimate)
    // The node's speed relative to the cluster, judged before this run moves the cluster's mean.
    if (estimate.cluster.runs > 0 && ms > 0) {
      let speed = this.#speed.get(nodeId)
      if (speed === undefined) this.#speed.set(nodeId, (speed = new RunTime()))
      speed.add(Math.min(100, Math.max(0.01, ms / estimate.cluster.meanMs)))
    }
    estimate.cluster.add(ms)
    let own = estimate.byNode.get(nodeId)
    if (own === undefined) estimate.byNode.set(nodeId, (own = new RunTime()))
    own.add(ms)
  }

  /** Expected run time of the function on the node, ms; undefined when it has never finished anywhere. */
  expected(key: string, nodeId: string): number | undefined {
    const estimate = this.#byKey.get(key)
    if (estimate === undefined) return undefined
    const own = estimate.byNode.get(nodeId)
    if (own !== undefined) return own.meanMs
    return estimate.cluster.meanMs * (this.#speed.get(nodeId)?.meanMs ?? 1)
  }

  /** The node's measurements are dropped (it was dismissed or replaced). */
  forgetNode(nodeId: string): void {
    this.#speed.delete(nodeId)
    for (const estimate of this.#byKey.values()) estimate.byNode.delete(nodeId)
  }
}
