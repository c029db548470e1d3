import type { CancelRequest, FrameBatcher, FunctionEntry } from '../protocol/index.js'
import { ArgonError } from '../protocol/argon-error.js'
import type { JobReports } from './job-reports.js'
import type { JobTracker } from './job.js'
import type { OutputDelivery } from './output-printer.js'

/** One task as sent: its arguments are encoded once and kept for a resubmission after a reconnect. */
export interface Submission {
  id: string
  fn: FunctionEntry
  args: Buffer
  /** A PRIORITY_CODE value. */
  priority: number
  /** ms; 0 = none. */
  timeout: number
}

/** A call waiting for its task's answer. */
export interface Call {
  submission: Submission
  resolve: (value: unknown) => void
  reject: (error: ArgonError) => void
  retries: number
  retryTimer: NodeJS.Timeout | null
  timeoutTimer: NodeJS.Timeout | null
  signal: AbortSignal | undefined
  onAbort: (() => void) | null
  job: JobTracker | null
  /** The task id (what a job tracks a call by). */
  readonly id: string
}

/**
 * The calls waiting for an answer, by task id, and everything a call's end touches: its timers and
 * abort listener, its job's counts, its task's unfinished output lines, and a cancellation on the
 * cluster when nobody waits for the task any more.
 */
export class PendingCalls {
  readonly #calls = new Map<string, Call>()
  readonly #jobs: JobReports
  readonly #output: OutputDelivery
  readonly #cancels: FrameBatcher<CancelRequest>

  constructor(jobs: JobReports, output: OutputDelivery, cancels: FrameBatcher<CancelRequest>) {
    this.#jobs = jobs
    this.#output = output
    this.#cancels = cancels
  }

  get(id: string): Call | undefined {
    return this.#calls.get(id)
  }

  has(id: string): boolean {
    return this.#calls.has(id)
  }

  /** Every waiting call (a live view: settling one removes it). */
  values(): IterableIterator<Call> {
    return this.#calls.values()
  }

  /** Starts waiting for `call`: counts it in its job, and arms its timeout and its abort signal. */
  add(call: Call): void {
    this.#calls.set(call.submission.id, call)
    const job = call.job
    if (job !== null) {
      job.started(call)
      this.#jobs.changed(job)
    }
    if (call.submission.timeout > 0) {
      call.timeoutTimer = setTimeout(() => this.#abandon(call, 'timeout'), call.submission.timeout)
    }
    if (call.signal) {
      call.onAbort = () => this.#abandon(call, 'cancel')
      call.signal.addEventListener('abort', call.onAbort, { once: true })
    }
  }

  settleValue(call: Call, value: unknown): void {
    this.#forget(call, undefined)
    call.resolve(value)
  }

  settleError(call: Call, error: ArgonError): void {
    this.#forget(call, error)
    call.reject(error)
  }

  /** Every waiting call fails with `error` (the link failed for good). */
  failAll(error: ArgonError): void {
    for (const call of [...this.#calls.values()]) this.settleError(call, error)
  }

  /** Every waiting call rejects with `error`, and its task is stopped on the cluster: nobody waits for it any more. */
  cancelAll(error: ArgonError): void {
    for (const call of [...this.#calls.values()]) this.#cancel(call, 'cancel', error)
  }

  /** Cancels a job's calls through the usual path: each is cancelled on the cluster and rejects with CANCELLED. */
  cancelJob(job: JobTracker, why: string): void {
    if (job.cancelled || job.state !== 'running') return
    job.cancelled = true
    const error = new ArgonError('CANCELLED', `job "${job.name}" was cancelled ${why}`)
    for (const call of [...job.calls] as Call[]) {
      if (!this.#calls.has(call.id)) continue
      this.#cancel(call, 'cancel', error)
    }
    this.#jobs.changed(job)
  }

  /** Timeout or abort: answer the caller now and tell the manager to stop the task. */
  #abandon(call: Call, reason: 'timeout' | 'cancel'): void {
    if (!this.#calls.has(call.submission.id)) return
    this.#cancel(
      call,
      reason,
      reason === 'timeout'
        ? new ArgonError('TASK_TIMEOUT', `task timed out after ${call.submission.timeout} ms`)
        : new ArgonError('CANCELLED', 'task cancelled by its signal'),
    )
  }

  #cancel(call: Call, reason: 'timeout' | 'cancel', error: ArgonError): void {
    this.#cancels.push({ id: call.submission.id, reason })
    this.settleError(call, error)
  }

  /** The call is answered (with `error`, or a value): it stops waiting and counts in its job. */
  #forget(call: Call, error: ArgonError | undefined): void {
    this.#calls.delete(call.submission.id)
    this.#output.settled(call.id)
    if (call.retryTimer) clearTimeout(call.retryTimer)
    if (call.timeoutTimer) clearTimeout(call.timeoutTimer)
    if (call.onAbort) call.signal?.removeEventListener('abort', call.onAbort)
    if (call.job !== null) {
      call.job.settled(call, error)
      this.#jobs.changed(call.job)
    }
  }
}
