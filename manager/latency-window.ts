/**
 * Submit-to-answer latencies of recent tasks, for p50/p99 on the dashboard and in Prometheus.
 *
 * One HDR histogram per second (hdr-histogram-js, 2 significant digits: every percentile within
 * 1 %), kept for the last `windowSeconds` seconds. Recording is O(1), allocates nothing and reads
 * no clock, so it stays on the task path; every task of the window counts, however many there were
 * (a fixed-size sample would cover only the last fraction of a second at tens of thousands of tasks
 * a second). `mark()` is called once a second and starts a new second, dropping the oldest: an idle
 * cluster shows no latency at all instead of the last busy minute's.
 */
import { build, type Histogram } from 'hdr-histogram-js'

/** Latencies are recorded in microseconds, from 1 µs to an hour (longer ones count as an hour). */
const HIGHEST_MICROS = 3_600_000_000

function newHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_MICROS,
    numberOfSignificantValueDigits: 2,
    bitBucketSize: 32,
    useWebAssembly: false,
  })
}

/**
 * @example
 * const latency = new LatencyWindow(10)
 * latency.record(0.42) // a task answered 0.42 ms after it arrived
 * setInterval(() => latency.mark(), 1000)
 * const [p50, p99] = latency.recentPercentiles(0.5, 0.99) ?? [null, null]
 */
export class LatencyWindow {
  /** One histogram per second of the window; `#current` is the second being recorded. */
  readonly #seconds: Histogram[]
  #current: number
  /** Where the window's seconds are summed when percentiles are asked for (a few times a second). */
  readonly #merged = newHistogram()

  constructor(windowSeconds = 10) {
    this.#seconds = Array.from({ length: Math.max(1, windowSeconds) }, newHistogram)
    this.#current = 0
  }

  /** Records one latency in milliseconds. */
  record(ms: number): void {
    const micros = Math.round(ms * 1000)
    this.#seconds[this.#current]!.recordValue(micros < 0 ? 0 : micros > HIGHEST_MICROS ? HIGHEST_MICROS : micros)
  }

  /** Starts a new second of the sliding window; the oldest second leaves it. */
  mark(): void {
    this.#current = (this.#current + 1) % this.#seconds.length
    this.#seconds[this.#current]!.reset()
  }

  /** p in 0..1 over the latencies of the window, in milliseconds; null when none was recorded. */
  recentPercentiles(...ps: number[]): number[] | null {
    const merged = this.#merged
    merged.reset()
    for (const second of this.#seconds) if (second.totalCount > 0) merged.add(second)
    if (merged.totalCount === 0) return null
    return ps.map((p) => merged.getValueAtPercentile(p * 100) / 1000)
  }
}
