import type { ClusterMetrics } from '../../../protocol/cluster.js'

/** How much history the live chart keeps (its longest range). */
export const SERIES_WINDOW_MS = 60 * 60 * 1000

/**
 * The chart's columns (uPlot's aligned data: x in seconds, then one array per series), kept
 * in place so an update appends a point instead of rebuilding the chart.
 */
export class MetricSeries {
  /** Seconds since the epoch. */
  readonly at: number[] = []
  readonly tasksPerSecond: number[] = []
  readonly queued: number[] = []
  /** null where no task finished (a gap in the line). */
  readonly p99Ms: (number | null)[] = []
  readonly #windowMs: number

  constructor(windowMs = SERIES_WINDOW_MS) {
    this.#windowMs = windowMs
  }

  get length(): number {
    return this.at.length
  }

  /** Replaces everything with `history` (the first update after connecting). */
  seed(history: readonly ClusterMetrics[]): void {
    this.at.length = 0
    this.tasksPerSecond.length = 0
    this.queued.length = 0
    this.p99Ms.length = 0
    const sorted = [...history].sort((a, b) => a.at - b.at)
    for (const point of sorted) this.append(point)
  }

  /** Adds one point; ignores points not newer than the last one (a repeated update). */
  append(point: ClusterMetrics): boolean {
    const seconds = point.at / 1000
    const last = this.at[this.at.length - 1]
    if (last !== undefined && seconds <= last) return false
    this.at.push(seconds)
    this.tasksPerSecond.push(point.tasksPerSecond)
    this.queued.push(point.queued)
    this.p99Ms.push(point.p99Ms)
    this.#trim(seconds)
    return true
  }

  #trim(nowSeconds: number): void {
    const oldest = nowSeconds - this.#windowMs / 1000
    let drop = 0
    while (drop < this.at.length && (this.at[drop] ?? Infinity) < oldest) drop += 1
    // Trim in chunks: splicing four arrays on every update would be wasted work.
    if (drop > 32 || (drop > 0 && drop === this.at.length - 1)) {
      this.at.splice(0, drop)
      this.tasksPerSecond.splice(0, drop)
      this.queued.splice(0, drop)
      this.p99Ms.splice(0, drop)
    }
  }
}
