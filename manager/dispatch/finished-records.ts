import type { FunctionEntry, WireError } from '../../protocol/index.js'
import type { ActivityLog } from '../activity-log.js'
import type { RateCounter } from '../node-entry.js'
import type { TaskEntry } from './task-entry.js'

/**
 * How long finished tasks wait for their records, ms. The dashboard redraws a few times a second;
 * a timer this long costs one wake-up per window, where flushing on the next turn (setImmediate)
 * cost an extra turn of the event loop for every lone task.
 */
export const RECORDS_FLUSH_MS = 50

/**
 * The records for people of finished tasks (dashboard rows, task history, the cluster's rate),
 * built per batch off the per-task path: the tasks finished within RECORDS_FLUSH_MS get one pass,
 * after their answers went out. Each keeps the time it was answered (one clock read), so the
 * history does not show it up to RECORDS_FLUSH_MS late.
 */
export class FinishedRecords {
  readonly #activity: ActivityLog
  readonly #rate: RateCounter
  #tasks: TaskEntry[] = []
  #errors: (WireError | undefined)[] = []
  #runMs: number[] = []
  #finishedAt: number[] = []
  #scheduled = false

  constructor(activity: ActivityLog, rate: RateCounter) {
    this.#activity = activity
    this.#rate = rate
  }

  /** A task was answered: `error` undefined for a success; `runMs` how long it ran. */
  add(task: TaskEntry, error: WireError | undefined, runMs: number): void {
    this.#tasks.push(task)
    this.#errors.push(error)
    this.#runMs.push(runMs)
    this.#finishedAt.push(Date.now())
    if (!this.#scheduled) {
      this.#scheduled = true
      // Unref'd: a manager that is stopping does not wait for records of a dashboard that goes with it.
      setTimeout(this.#flush, RECORDS_FLUSH_MS).unref()
    }
  }

  readonly #flush = (): void => {
    this.#scheduled = false
    const tasks = this.#tasks
    const errors = this.#errors
    const runMs = this.#runMs
    const finishedAt = this.#finishedAt
    this.#tasks = []
    this.#errors = []
    this.#runMs = []
    this.#finishedAt = []
    this.#rate.add(tasks.length)
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i]!
      const error = errors[i]
      this.#activity.recordTask({
        id: task.id,
        label: labelOf(task.fn),
        node: task.run?.nodeName,
        durationMs: runMs[i]!,
        status:
          error === undefined
            ? 'succeeded'
            : error.code === 'CANCELLED'
              ? 'cancelled'
              : error.code === 'TASK_TIMEOUT'
                ? 'timed-out'
                : error.code === 'WORKER_LOST'
                  ? 'lost'
                  : 'failed',
        finishedAt: finishedAt[i]!,
        attempts: task.attempts,
        error: error
          ? {
              code: error.code,
              message: error.message,
              remoteName: typeof error.data?.remoteName === 'string' ? error.data.remoteName : undefined,
              remoteStack: typeof error.data?.remoteStack === 'string' ? error.data.remoteStack : undefined,
              thrown: typeof error.data?.thrown === 'string' ? error.data.thrown : undefined,
            }
          : undefined,
        // Failures only: the error dialog shows the whole function with its failing line.
        source:
          error?.code === 'TASK_FAILED' && task.fn.fn.kind === 'source'
            ? task.fn.fn.source.slice(0, 65_536)
            : undefined,
      })
    }
  }
}

const labels = new WeakMap<FunctionEntry, string>()

/** The dashboard's one-line label of a function: its source shortened, or module#export (cached per function). */
function labelOf(entry: FunctionEntry): string {
  let label = labels.get(entry)
  if (label === undefined) {
    const fn = entry.fn
    if (fn.kind === 'source') {
      const flat = fn.source.replace(/\s+/g, ' ').trim()
      label = flat.length > 80 ? flat.slice(0, 77) + '…' : flat
    } else label = `${fn.module}#${fn.export}`
    labels.set(entry, label)
  }
  return label
}
