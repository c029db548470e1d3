import {
  wireError,
  type FunctionCatalog,
  type FunctionEntry,
  type Priority,
  type TaskSubmission,
  type WireError,
} from '../../protocol/index.js'
import type { TaskQueue } from '../task-queue.js'
import { arrivalOf, holdFrame, type Arrival } from './shared-frames.js'
import type { TaskAnswers } from './task-answers.js'
import type { HeldTasks, IncomingTask, TaskEntry } from './task-entry.js'

/** The parts of the dispatcher the intake works with (it owns none of them). */
export interface TaskIntakeParts {
  readonly tasks: HeldTasks
  /** Where accepted tasks wait for a node. */
  readonly queue: TaskQueue<TaskEntry>
  readonly functions: FunctionCatalog
  readonly answers: TaskAnswers
  /** Largest number of waiting tasks; null = unbounded. */
  readonly queueSize: number | null
}

/**
 * Tasks arriving from clients: each becomes a held task waiting in the queue, unless its id is
 * already held (a resubmission is ignored; another client's id is refused) or the queue is full.
 *
 * @example
 * ```ts
 * const intake = new TaskIntake({ tasks, queue, functions, answers, queueSize: 10_000 })
 * intake.submitFrame('client-1', bytes, tasks)   // held and waiting; nothing is copied
 * ```
 */
export class TaskIntake {
  readonly #tasks: HeldTasks
  readonly #queue: TaskQueue<TaskEntry>
  readonly #functions: FunctionCatalog
  readonly #answers: TaskAnswers
  readonly #queueSize: number | null

  constructor(parts: TaskIntakeParts) {
    this.#tasks = parts.tasks
    this.#queue = parts.queue
    this.#functions = parts.functions
    this.#answers = parts.answers
    this.#queueSize = parts.queueSize
  }

  /** Accepts a batch of task objects from a client. A resubmitted id that is still held is ignored. */
  submit(clientId: string, submissions: readonly TaskSubmission[]): void {
    const arrival: Arrival = { at: performance.now(), bytes: null, tasks: [], liveBytes: 0 }
    const functions = this.#functions
    for (const submission of submissions) {
      this.#accept(
        clientId,
        submission.id,
        functions.intern(submission.fn),
        submission.args,
        0,
        submission.args.byteLength,
        submission.priority ?? 'normal',
        submission.timeout ?? 0,
        arrival,
      )
    }
  }

  /** Accepts the checked tasks of one client frame; each keeps a byte range of `bytes` (no copy, no decoding). */
  submitFrame(clientId: string, bytes: Uint8Array, tasks: readonly IncomingTask[]): void {
    const { arrival, bytes: kept, shift } = arrivalOf(bytes, tasks)
    for (const task of tasks) {
      const { id, fn, start, end, priority, timeout } = task
      this.#accept(clientId, id, fn, kept, start - shift, end - shift, priority, timeout, arrival)
    }
  }

  #accept(
    clientId: string,
    id: string,
    fn: FunctionEntry,
    bytes: Uint8Array,
    start: number,
    end: number,
    priority: Priority,
    timeout: number,
    arrival: Arrival,
  ): void {
    const existing = this.#tasks.get(id)
    if (existing) {
      if (existing.clientId !== clientId) {
        this.#answers.send(clientId, {
          id,
          ok: false,
          error: wireError('BAD_REQUEST', `task id ${id} is in use by another client`),
        })
      }
      return
    }
    const limit = this.#queueSize
    if (limit !== null && this.#queue.size >= limit) {
      this.#answers.reject(clientId, id, limit)
      return
    }
    const task: TaskEntry = {
      id,
      clientId,
      fn,
      bytes,
      start,
      end,
      arrival,
      queued: false,
      priority,
      timeout,
      attempts: 0,
      nodeId: null,
      run: null,
    }
    holdFrame(task)
    this.#tasks.set(id, task)
    this.#queue.push(task)
  }

  /**
   * Answers a task with an error now without holding it. Nothing is sent for an id this client
   * holds: that task is answered when it ends, and an id gets one answer. Another client's task
   * under the id does not answer this client, so the refusal goes out.
   */
  refuse(clientId: string, id: string, error: WireError): void {
    if (this.#tasks.get(id)?.clientId === clientId) return
    this.#answers.send(clientId, { id, ok: false, error })
  }
}
