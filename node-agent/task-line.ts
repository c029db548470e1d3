/**
 * A child's line of tasks: it runs them one at a time, back to back, sends each outcome before the
 * next task starts (the agent takes the first task it holds unanswered for the running one), and
 * between two of them, once it has run for SLICE_MS since it last did so, lets the event loop turn.
 * That turn is what lets the agent take back tasks that wait here and have not started (a
 * 'reclaim' read from the IPC channel): without it a child running held tasks back to back would
 * read nothing until its line was empty. Trivial tasks pay one turn per SLICE_MS, not one per
 * task. A task answered elsewhere before it started (cancelled, timed out) is dropped: when its
 * turn comes it is answered by `skip` instead of run, so outcomes still come in line order.
 */

import { Fifo } from './fifo.js'

/** How long the line runs tasks back to back before it lets I/O in, ms. */
export const SLICE_MS = 1

export interface TaskLineOptions<Task, Outcome> {
  /** Runs one task; stays synchronous for synchronous functions (no await per task). */
  run: (task: Task) => Outcome | Promise<Outcome>
  /** The outcome of a dropped task, given in its place in line (it never runs). */
  skip: (task: Task) => Outcome
  /** Sends outcomes to the agent (called with at least one). */
  send: (outcomes: Outcome[]) => void
  /** Around each run (e.g. to capture what the task writes). */
  begin?: (task: Task) => void
  end?: () => void
  /** Lets pending I/O be read; the default passes through one poll phase of the event loop. */
  yieldTurn?: () => Promise<void>
  now?: () => number
}

/**
 * Resolves after the event loop has polled for I/O once. A single setImmediate called from an I/O
 * callback runs in the same loop iteration's check phase, before any new poll; the second one is
 * always one iteration later, so one poll phase lies between.
 */
export function passPollPhase(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
}

/**
 * @example
 * ```ts
 * const line = new TaskLine({
 *   run: (task) => runTask(task),
 *   send: (outcomes) => writeOutcomes(outcomes),
 *   skip: (task) => cancelledOutcome(task),
 * })
 * line.push(tasksOfFrame)
 * line.reclaim(2)   // the (up to) two most recently received tasks that have not started
 * line.drop((task) => task.id === 'c1')   // true if it waits here: it will be skipped, not run
 * ```
 */
export class TaskLine<Task, Outcome> {
  readonly #options: TaskLineOptions<Task, Outcome>
  readonly #yieldTurn: () => Promise<void>
  readonly #now: () => number
  /** Received and not started, oldest first. */
  readonly #waiting = new Fifo<Task>()
  /** Waiting tasks that are answered when their turn comes instead of run. */
  readonly #dropped = new Set<Task>()
  #running = false
  /** Turns given to the event loop between tasks (a figure for tests and profiles). */
  turns = 0

  constructor(options: TaskLineOptions<Task, Outcome>) {
    this.#options = options
    this.#yieldTurn = options.yieldTurn ?? passPollPhase
    this.#now = options.now ?? (() => performance.now())
  }

  /** Tasks received and not started. */
  get waiting(): number {
    return this.#waiting.size
  }

  /** Adds a frame's tasks; all of them are in line before the first one runs (so their outcomes can share frames). */
  push(tasks: readonly Task[]): void {
    for (const task of tasks) this.#waiting.push(task)
    if (!this.#running && this.waiting > 0) void this.#drain()
  }

  /** Removes and returns up to `count` tasks that have not started, the most recently received first. */
  reclaim(count: number): Task[] {
    const tasks = this.#waiting.takeLast(count).reverse()
    for (const task of tasks) this.#dropped.delete(task)
    return tasks
  }

  /**
   * Drops the first waiting task that matches: it will not run, and `skip` answers it in its place
   * in line. False if none waits here (it has started, or was never received).
   */
  drop(matches: (task: Task) => boolean): boolean {
    const task = this.#waiting.find(matches)
    if (task === undefined) return false
    this.#dropped.add(task)
    return true
  }

  async #drain(): Promise<void> {
    this.#running = true
    const { run, send, begin, end, skip } = this.#options
    let outcomes: Outcome[] = []
    let since = this.#now()
    while (this.waiting > 0) {
      const task = this.#waiting.shift()!
      if (this.#dropped.size > 0 && this.#dropped.delete(task)) {
        // Nothing runs: its answer may wait for the next one.
        outcomes.push(skip(task))
        continue
      }
      // No task starts while an earlier one's outcome is unsent. The agent takes the first task it
      // holds unanswered for the one running here (for its timeout, a cancel, a crash's blame), and
      // a task that runs long must not hold back the answers of those before it.
      if (outcomes.length > 0) {
        send(outcomes)
        outcomes = []
      }
      begin?.(task)
      const outcome = run(task)
      outcomes.push(outcome instanceof Promise ? await outcome : outcome)
      end?.()
      // Held tasks that have not started may be wanted elsewhere: read the pipe before the next one.
      if (this.waiting > 0 && this.#now() - since >= SLICE_MS) {
        send(outcomes)
        outcomes = []
        this.turns++
        await this.#yieldTurn()
        since = this.#now()
      }
    }
    if (outcomes.length > 0) send(outcomes)
    this.#running = false
  }
}
