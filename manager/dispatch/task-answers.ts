import { wireError, type TaskOutcome } from '../../protocol/index.js'
import type { ActivityLog } from '../activity-log.js'
import type { LatencyWindow } from '../latency-window.js'
import type { RateCounter } from '../node-entry.js'
import { FinishedRecords } from './finished-records.js'
import { releaseFrame } from './shared-frames.js'
import type { TaskEntry } from './task-entry.js'

export interface TaskAnswersOptions {
  activity: ActivityLog
  /** Sends one answer to a client (the caller batches and buffers). A result is a view: copy it to keep it. */
  deliver: (clientId: string, outcome: TaskOutcome) => void
  latency: LatencyWindow
  rate: RateCounter
}

/**
 * The answers to clients: a held task is answered once, and counted, timed and recorded for people
 * as it is (the records are built per batch, off the per-task path); refusals of a full queue are
 * counted, and logged at most once a second.
 *
 * @example
 * ```ts
 * const answers = new TaskAnswers({ activity, deliver, latency, rate })
 * answers.finish(task, { id: task.id, ok: true, result, node: 'gpu-1' }, 12)   // deliver(task.clientId, …)
 * answers.completed   // 1
 * ```
 */
export class TaskAnswers {
  readonly #activity: ActivityLog
  readonly #deliver: (clientId: string, outcome: TaskOutcome) => void
  readonly #latency: LatencyWindow
  readonly #records: FinishedRecords
  #completed = 0
  #failed = 0
  #rejected = 0
  #lastRejectionEventAt = 0
  #rejectedSinceEvent = 0

  constructor(options: TaskAnswersOptions) {
    this.#activity = options.activity
    this.#deliver = options.deliver
    this.#latency = options.latency
    this.#records = new FinishedRecords(options.activity, options.rate)
  }

  /** Tasks answered with a result. */
  get completed(): number {
    return this.#completed
  }

  /** Tasks answered with an error. */
  get failed(): number {
    return this.#failed
  }

  /** Tasks refused with QUEUE_FULL. */
  get rejected(): number {
    return this.#rejected
  }

  /** Answers a task that was never held (refused on arrival); it is not counted. */
  send(clientId: string, outcome: TaskOutcome): void {
    this.#deliver(clientId, outcome)
  }

  /** Answers a held task (its holder has already let go of it); `runMs` defaults to the time since its dispatch. */
  finish(task: TaskEntry, outcome: TaskOutcome, runMs?: number): void {
    releaseFrame(task)
    const now = performance.now()
    this.#latency.record(now - task.arrival.at)
    if (outcome.ok) this.#completed++
    else this.#failed++
    const error = outcome.ok ? undefined : outcome.error
    this.#records.add(task, error, runMs ?? (task.run ? now - task.run.dispatchedAt : 0))
    if (error?.code === 'TASK_FAILED')
      this.#activity.record(
        'task-failed',
        `task ${task.id} failed on ${task.run?.nodeName ?? '?'}: ${error.message.slice(0, 200)}`,
        { node: task.run?.nodeName, taskId: task.id },
      )
    this.#deliver(task.clientId, outcome)
  }

  /** Refuses a task because `limit` tasks already wait. */
  reject(clientId: string, id: string, limit: number): void {
    this.#rejected++
    this.#rejectedSinceEvent++
    const now = Date.now()
    // One event per second at most: a rejection storm must not flood the log.
    if (now - this.#lastRejectionEventAt >= 1000) {
      this.#activity.record(
        'task-rejected',
        `${this.#rejectedSinceEvent} task(s) rejected: queue full (limit ${limit})`,
        {
          taskId: id,
        },
      )
      this.#lastRejectionEventAt = now
      this.#rejectedSinceEvent = 0
    }
    this.#deliver(clientId, { id, ok: false, error: wireError('QUEUE_FULL', `queue is full (${limit} waiting)`) })
  }
}
