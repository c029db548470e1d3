import { ArgonError, MAX_JOBS_PER_CLIENT, type JobReport, type JobState, type JobStatus } from '../../protocol/index.js'

/** How many jobs the manager keeps, and for how long. */
export interface JobRegistryLimits {
  /** Most running jobs of one client; reports of more are refused. @default 1000 */
  maxPerClient: number
  /** Most running jobs in all. @default 10000 */
  maxRunning: number
  /** Most finished jobs kept (the oldest go first). @default 200 */
  maxFinished: number
  /** How long a finished job is kept, ms. @default 3600000 (an hour) */
  finishedKeepMs: number
  /** A running job whose client stays away this long is abandoned, ms. @default 60000 */
  awayGraceMs: number
}

export const DEFAULT_JOB_LIMITS: JobRegistryLimits = {
  maxPerClient: MAX_JOBS_PER_CLIENT,
  maxRunning: 10_000,
  maxFinished: 200,
  finishedKeepMs: 60 * 60 * 1000,
  awayGraceMs: 60_000,
}

/** The rate is measured over about this long. */
const RATE_WINDOW_MS = 10_000

interface JobEntry {
  readonly id: number
  readonly clientId: string
  readonly key: string
  name: string
  total: number
  done: number
  failed: number
  inFlight: number
  state: JobState
  readonly startedAt: number
  finishedAt: number | null
  clientConnected: boolean
  awaySince: number
  cancelRequested: boolean
  /** (time, tasks settled) pairs, oldest first, for the rate. */
  samples: { at: number; settled: number }[]
}

/** What `report` asks of the caller. */
export interface ReportResult {
  /** Keys of jobs an operator cancelled that the client still reports running: send it the order (again). */
  cancel: string[]
  /** Reports refused because the client (or the manager) has too many running jobs. */
  refused: number
}

/** What `cancel` asks of the caller. */
export interface CancelResult {
  status: JobStatus
  /** Set when the job was running: send this client the cancel order for this key. */
  order: { clientId: string; key: string } | null
}

/**
 * The manager's jobs: what clients report of the tasks they group (`client.map`,
 * `client.job(name)`), with a rate and an ETA computed here. Clients count their own outcomes
 * (one counter step per task, on their side) and report whole states a few times a second, so
 * the manager does no per-task work for jobs. Bounded: running jobs per client and in all,
 * finished jobs by count and age.
 *
 * @example
 * ```ts
 * const jobs = new JobRegistry()
 * jobs.report('client-a', [{ key: 'j1', name: 'thumbnails', total: 100, done: 10, failed: 0, inFlight: 8, state: 'running' }], Date.now())
 * jobs.list(Date.now())   // [{ id: 1, name: 'thumbnails', total: 100, done: 10, state: 'running', rate: …, etaMs: … }]
 * ```
 */
export class JobRegistry {
  readonly #limits: JobRegistryLimits
  readonly #byId = new Map<number, JobEntry>()
  /** clientId → key → job. */
  readonly #byClient = new Map<string, Map<string, JobEntry>>()
  /** Finished job ids, in finishing order (oldest first). */
  #finished: number[] = []
  #running = 0
  #nextId = 1

  constructor(limits: Partial<JobRegistryLimits> = {}) {
    const all = { ...DEFAULT_JOB_LIMITS, ...limits }
    for (const [key, value] of Object.entries(all)) {
      if (!Number.isInteger(value) || value < 1) throw new TypeError(`jobs.${key} must be a positive integer`)
    }
    this.#limits = all
  }

  /** Running jobs. */
  get running(): number {
    return this.#running
  }

  /** Jobs kept (running and finished). */
  get size(): number {
    return this.#byId.size
  }

  /** Folds in a client's reports (validated): registers new jobs, updates the others. */
  report(clientId: string, reports: readonly JobReport[], now: number): ReportResult {
    const result: ReportResult = { cancel: [], refused: 0 }
    let jobs = this.#byClient.get(clientId)
    for (const report of reports) {
      let entry = jobs?.get(report.key)
      if (entry === undefined) {
        if (this.#runningOf(jobs) >= this.#limits.maxPerClient || this.#running >= this.#limits.maxRunning) {
          result.refused++
          continue
        }
        if (jobs === undefined) {
          jobs = new Map()
          this.#byClient.set(clientId, jobs)
        }
        entry = {
          id: this.#nextId++,
          clientId,
          key: report.key,
          name: report.name,
          total: 0,
          done: 0,
          failed: 0,
          inFlight: 0,
          state: 'running',
          startedAt: now,
          finishedAt: null,
          clientConnected: true,
          awaySince: 0,
          cancelRequested: false,
          samples: [{ at: now, settled: 0 }],
        }
        jobs.set(report.key, entry)
        this.#byId.set(entry.id, entry)
        this.#running++
      }
      entry.name = report.name
      entry.total = report.total
      entry.done = report.done
      entry.failed = report.failed
      entry.inFlight = report.inFlight
      entry.clientConnected = true
      this.#sample(entry, now)
      if (entry.state === 'abandoned' && report.state === 'running') this.#revive(entry)
      if (entry.state === 'running' && report.state !== 'running') this.#finish(entry, report.state, now)
      else if (entry.cancelRequested && report.state === 'running') result.cancel.push(entry.key)
    }
    this.#evict(now)
    return result
  }

  /** The client's link is back: its jobs are watched again. */
  clientConnected(clientId: string): void {
    for (const entry of this.#byClient.get(clientId)?.values() ?? []) entry.clientConnected = true
  }

  /** The client's link dropped: its running jobs are abandoned unless it comes back in time. */
  clientDisconnected(clientId: string, now: number): void {
    for (const entry of this.#byClient.get(clientId)?.values() ?? []) {
      if (!entry.clientConnected) continue
      entry.clientConnected = false
      entry.awaySince = now
    }
  }

  /**
   * An operator cancels job `id`: it shows cancelled from now on, and the caller sends its client
   * the order (the client cancels its queued and running tasks). A finished job stays as it is.
   */
  cancel(id: number, now: number): CancelResult {
    const entry = this.#byId.get(id)
    if (entry === undefined)
      throw new ArgonError('NOT_FOUND', `no job ${id} (finished jobs are kept for a while, then forgotten)`)
    if (entry.state !== 'running') return { status: this.#status(entry, now), order: null }
    entry.cancelRequested = true
    this.#finish(entry, 'cancelled', now)
    return { status: this.#status(entry, now), order: { clientId: entry.clientId, key: entry.key } }
  }

  /**
   * Abandons jobs whose client stayed away past the grace time (returned, so their tasks can be
   * cancelled: nobody will take their results), and forgets old finished jobs.
   */
  sweep(now: number): { clientId: string; key: string }[] {
    const abandoned: { clientId: string; key: string }[] = []
    for (const entry of this.#byId.values()) {
      if (entry.state === 'running' && !entry.clientConnected && now - entry.awaySince >= this.#limits.awayGraceMs) {
        this.#finish(entry, 'abandoned', now)
        abandoned.push({ clientId: entry.clientId, key: entry.key })
      }
    }
    this.#evict(now)
    return abandoned
  }

  get(id: number, now: number): JobStatus | undefined {
    const entry = this.#byId.get(id)
    return entry === undefined ? undefined : this.#status(entry, now)
  }

  /** Running jobs first (newest first), then finished ones (most recently finished first); at most `limit`. */
  list(now: number, limit = Infinity): JobStatus[] {
    const running: JobEntry[] = []
    for (const entry of this.#byId.values()) if (entry.state === 'running') running.push(entry)
    running.sort((a, b) => b.id - a.id)
    const out: JobStatus[] = []
    for (const entry of running) {
      if (out.length >= limit) return out
      out.push(this.#status(entry, now))
    }
    for (let i = this.#finished.length - 1; i >= 0 && out.length < limit; i--)
      out.push(this.#status(this.#byId.get(this.#finished[i]!)!, now))
    return out
  }

  #runningOf(jobs: Map<string, JobEntry> | undefined): number {
    let count = 0
    for (const entry of jobs?.values() ?? []) if (entry.state === 'running') count++
    return count
  }

  #sample(entry: JobEntry, now: number): void {
    const settled = entry.done + entry.failed
    const samples = entry.samples
    const last = samples[samples.length - 1]!
    if (now - last.at < 250) {
      // Reports come a few times a second; one sample per quarter second is plenty.
      if (samples.length > 1) last.settled = settled
      else samples.push({ at: now, settled })
      return
    }
    samples.push({ at: now, settled })
    // Keep one sample from before the window, so the rate always spans it.
    while (samples.length > 2 && samples[1]!.at <= now - RATE_WINDOW_MS) samples.shift()
  }

  #finish(entry: JobEntry, state: JobState, now: number): void {
    entry.state = state
    entry.finishedAt = now
    this.#running--
    this.#finished.push(entry.id)
  }

  #revive(entry: JobEntry): void {
    entry.state = 'running'
    entry.finishedAt = null
    this.#running++
    this.#finished = this.#finished.filter((id) => id !== entry.id)
  }

  #evict(now: number): void {
    const finished = this.#finished
    let drop = 0
    while (
      drop < finished.length &&
      (finished.length - drop > this.#limits.maxFinished ||
        now - this.#byId.get(finished[drop]!)!.finishedAt! >= this.#limits.finishedKeepMs)
    )
      drop++
    if (drop === 0) return
    for (const id of finished.slice(0, drop)) {
      const entry = this.#byId.get(id)!
      this.#byId.delete(id)
      const jobs = this.#byClient.get(entry.clientId)
      jobs?.delete(entry.key)
      if (jobs?.size === 0) this.#byClient.delete(entry.clientId)
    }
    this.#finished = finished.slice(drop)
  }

  #status(entry: JobEntry, now: number): JobStatus {
    const settled = entry.done + entry.failed
    let rate: number
    let etaMs: number | null = null
    if (entry.state === 'running') {
      // Over the window: from the oldest sample still in it (or the last one before it) to now,
      // so a stalled job's rate falls to 0 even when its client has nothing new to report.
      const samples = entry.samples
      let base = samples[0]!
      for (const sample of samples) {
        if (sample.at > now - RATE_WINDOW_MS) break
        base = sample
      }
      const span = now - base.at
      rate = span >= 500 ? ((settled - base.settled) * 1000) / span : 0
      if (rate > 0 && entry.total > settled) etaMs = Math.round(((entry.total - settled) / rate) * 1000)
    } else {
      const span = (entry.finishedAt ?? now) - entry.startedAt
      rate = span > 0 ? (settled * 1000) / span : 0
    }
    return {
      id: entry.id,
      name: entry.name,
      client: entry.clientId.slice(0, 8),
      total: entry.total,
      done: entry.done,
      failed: entry.failed,
      inFlight: entry.inFlight,
      state: entry.state,
      rate: Math.round(rate * 100) / 100,
      etaMs,
      startedAt: entry.startedAt,
      finishedAt: entry.finishedAt,
      clientConnected: entry.clientConnected,
      cancelRequested: entry.cancelRequested,
    }
  }
}
