/**
 * Submit-to-answer latencies of recent tasks, for p50/p99 on the dashboard and in Prometheus.
 * Reservoir of fixed size: recording is O(1) with no clock read; percentiles sort a copy when asked
 * (a few times a second).
 *
 * The window also slides in time: `mark()` is called once a second, and `recentPercentiles` only
 * looks at samples recorded since the mark `seconds` ago — so an idle cluster shows no latency
 * at all instead of the last busy minute's.
 */
export class LatencyWindow {
  readonly #samples: Float64Array
  #next = 0
  #count = 0
  /** Samples ever recorded. */
  #written = 0
  /** `#written` at each of the last marks (one a second), oldest first. */
  readonly #marks: number[] = []
  readonly #maxMarks: number

  constructor(size = 4096, windowSeconds = 10) {
    this.#samples = new Float64Array(size)
    this.#maxMarks = windowSeconds
  }

  record(ms: number): void {
    this.#samples[this.#next] = ms
    this.#next = (this.#next + 1) % this.#samples.length
    if (this.#count < this.#samples.length) this.#count++
    this.#written++
  }

  /** Starts a new second of the sliding window. */
  mark(): void {
    this.#marks.push(this.#written)
    if (this.#marks.length > this.#maxMarks) this.#marks.shift()
  }

  /** p in 0..1 over every kept sample; 0 when empty. */
  percentiles(...ps: number[]): number[] {
    return this.#percentilesOf(this.#count, ps) ?? ps.map(() => 0)
  }

  /** p in 0..1 over the samples of the sliding window (the last few marks); null when none. */
  recentPercentiles(...ps: number[]): number[] | null {
    // Until the window has filled (the first seconds), it reaches back to the start.
    const since = this.#marks.length < this.#maxMarks ? 0 : this.#marks[0]!
    return this.#percentilesOf(Math.min(this.#count, this.#written - since), ps)
  }

  /** Forget old samples (the window shows the recent past, not all time). */
  clear(): void {
    this.#count = 0
    this.#next = 0
  }

  #percentilesOf(newest: number, ps: number[]): number[] | null {
    if (newest <= 0) return null
    const sorted = new Float64Array(newest)
    const size = this.#samples.length
    for (let i = 0; i < newest; i++) sorted[i] = this.#samples[(this.#next - newest + i + size) % size]!
    sorted.sort()
    return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!)
  }
}
