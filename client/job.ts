import { MAX_JOB_NAME_CHARS, type JobReport } from '../protocol/index.js'
import type { CallOptions, MapOptions, TaskFn } from './client.js'
import type { ArgonError } from '../protocol/argon-error.js'

/** A job's state as its client sees it. */
export type JobProgressState = JobReport['state']

/** Where a job stands: tasks that succeeded, failed, and are still in flight. */
export interface JobProgress {
  name: string
  /** Tasks the job will run: the total given, else those started so far. */
  total: number
  done: number
  failed: number
  inFlight: number
  state: JobProgressState
}

export interface JobOptions {
  /** Tasks the job will run, when known up front (the dashboard then shows a progress bar and an ETA). */
  total?: number
}

/** One call in a job, as the job needs it. */
export interface JobCall {
  readonly id: string
}

/**
 * What the client keeps per job (internal). Counting is one step per outcome; the client reports
 * whole states to the manager a few times a second, never per task.
 */
export class JobTracker {
  readonly calls = new Set<JobCall>()
  done = 0
  failed = 0
  ended = false
  cancelled = false
  /** The state last reported to the manager (undefined: never reported). */
  reported: JobProgressState | undefined = undefined
  readonly #fixedTotal: boolean
  #total: number

  constructor(
    readonly key: string,
    readonly name: string,
    total: number | undefined,
  ) {
    this.#fixedTotal = total !== undefined
    this.#total = total ?? 0
  }

  get total(): number {
    return this.#total
  }

  /** A task of the job was started (counts toward the total unless the total was given). */
  started(call: JobCall): void {
    this.calls.add(call)
    if (!this.#fixedTotal) this.#total++
  }

  /** A task of the job settled. Those its own cancellation stopped count as neither done nor failed. */
  settled(call: JobCall, error: ArgonError | undefined): void {
    if (!this.calls.delete(call)) return
    if (error === undefined) this.done++
    else if (!(this.cancelled && error.code === 'CANCELLED')) this.failed++
  }

  get state(): JobProgressState {
    if (this.cancelled) return 'cancelled'
    if (!this.ended || this.calls.size > 0) return 'running'
    return this.failed > 0 ? 'failed' : 'done'
  }

  progress(): JobProgress {
    return {
      name: this.name,
      total: this.#total,
      done: this.done,
      failed: this.failed,
      inFlight: this.calls.size,
      state: this.state,
    }
  }

  report(): JobReport {
    return { key: this.key, ...this.progress() }
  }
}

/** A job's name as it travels: one line, at most MAX_JOB_NAME_CHARS characters. */
export function jobName(name: string): string {
  const flat = name.replace(/\s+/g, ' ').trim() || 'job'
  return flat.length > MAX_JOB_NAME_CHARS ? `${flat.slice(0, MAX_JOB_NAME_CHARS - 1)}…` : flat
}

/** The name of a map's job when none is given: the function's name, or the module export's. */
export function defaultJobName(fn: unknown): string {
  if (typeof fn === 'function' && fn.name) return `map ${fn.name}`
  if (typeof fn === 'object' && fn !== null && typeof (fn as { export?: unknown }).export === 'string')
    return `map ${(fn as { export: string }).export}`
  return 'map'
}

/** What a Job needs of its Client (internal). */
export interface JobHost {
  start(job: JobTracker, fn: unknown, args: unknown[], options: CallOptions): Promise<unknown>
  cancel(job: JobTracker, why: string): void
  end(job: JobTracker): void
}

/**
 * Tasks grouped under one name: the manager shows the job's progress, rate and ETA (dashboard,
 * `argon jobs`), and an operator can cancel it there. `client.map` makes one per call.
 *
 * @example
 * ```ts
 * const job = client.job('thumbnails', { total: files.length })
 * const results = await Promise.all(files.map((file) => job.process(makeThumbnail, [file])))
 * job.end()
 * ```
 */
export class Job {
  readonly #tracker: JobTracker
  readonly #host: JobHost

  /** @internal Made by `client.job(name)`. */
  constructor(tracker: JobTracker, host: JobHost) {
    this.#tracker = tracker
    this.#host = host
  }

  get name(): string {
    return this.#tracker.name
  }

  /** Where the job stands now. */
  get progress(): JobProgress {
    return this.#tracker.progress()
  }

  /** Runs `fn(...args)` as a task of this job (see `client.process`). */
  process<A extends unknown[], R>(fn: TaskFn<A, R>, args: A, options: CallOptions = {}): Promise<Awaited<R>> {
    return this.#host.start(this.#tracker, fn, args, options) as Promise<Awaited<R>>
  }

  /**
   * Runs `fn` once per argument list as tasks of this job, at most `concurrency` at a time
   * (see `client.map`); does not end the job.
   */
  async map<A extends unknown[], R>(
    fn: TaskFn<A, R>,
    argsList: readonly A[],
    options: Omit<MapOptions, 'job'> = {},
  ): Promise<Awaited<R>[]> {
    const { concurrency = 100, onProgress, ...callOptions } = options
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new TypeError('options.concurrency must be a positive integer')
    const results = new Array<Awaited<R>>(argsList.length)
    let next = 0
    let done = 0
    let failed = false
    const lane = async () => {
      while (!failed && next < argsList.length) {
        const index = next++
        try {
          results[index] = await this.process(fn, argsList[index]!, callOptions)
        } catch (error) {
          failed = true
          throw error
        }
        done++
        onProgress?.(done, argsList.length)
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, argsList.length) }, lane))
    return results
  }

  /**
   * Cancels the job: its queued and running tasks are cancelled on the cluster and their calls
   * reject with CANCELLED, as do tasks started in it later.
   */
  cancel(): void {
    this.#host.cancel(this.#tracker, 'by its client')
  }

  /** No more tasks: the job is over once those in flight settle (done, or failed if any task failed). */
  end(): void {
    this.#host.end(this.#tracker)
  }
}
