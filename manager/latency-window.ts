/**
 * Submit-to-answer latencies of the last few thousand tasks, for p50/p99 on the dashboard.
 * Reservoir of fixed size: recording is O(1); percentiles sort a copy when asked (a few times a second).
 */
export class LatencyWindow {
  readonly #samples: Float64Array
  #next = 0
  #count = 0

  constructor(size = 4096) {
    this.#samples = new Float64Array(size)
  }

  record(ms: number): void {
    this.#samples[this.#next] = ms
    this.#next = (this.#next + 1) % this.#samples.length
    if (this.#count < this.#samples.length) this.#count++
  }

  /** p in 0..1; 0 when empty. */
  percentiles(...ps: number[]): number[] {
    if (this.#count === 0) return ps.map(() => 0)
    const sorted = this.#samples.slice(0, this.#count).sort()
    return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!)
  }

  /** Forget old samples (the window shows the recent past, not all time). */
  clear(): void {
    this.#count = 0
    this.#next = 0
  }
}
