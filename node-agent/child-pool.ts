import type { ChildProcess } from 'node:child_process'
import { PRIORITY_CODE, type CancelRequest } from '../protocol/index.js'
import { FunctionRunTimes } from '../manager/scheduling/estimates.js'
import { PIPE_HEADROOM, writeFinished } from './child-frames.js'
import { armHeadTimer, cancelHeld, stoppedOutcome } from './child-deadlines.js'
import type { ChildOutputChunk, FromChild, ToChild } from './child-messages.js'
import { settleExit, settleOutcomeMessage } from './child-outcomes.js'
import { spawnChild, type ChildEvents } from './child-process.js'
import { ChildSlot, type ReclaimFor } from './child-slot.js'
import { fillChild, planSiblingReclaims, planStealReclaims, reclaimView, type ReclaimRequest } from './child-window.js'
import { PoolQueue } from './pool-queue.js'
import type { PoolOutcome, PoolTask } from './pool-task.js'

export { childEnvironment } from './child-process.js'
export type { PoolOutcome, PoolTask } from './pool-task.js'

export interface ChildPoolOptions {
  /** Child processes to run. */
  size: number
  /** Recycle a child after this many tasks (0 = never). */
  maxRequests: number
  /** Extra environment for the children (ARGON_NODE_NAME, ARGON_NODE_ID). */
  env: Record<string, string>
  /** Receives every outcome, in the order they happen. */
  onSettled: (outcome: PoolOutcome) => void
  /** Receives what tasks wrote to stdout/stderr (batched by the child), before their outcomes. */
  onOutput?: (pid: number, chunks: ChildOutputChunk[]) => void
  /** Something went wrong that an operator should see. */
  onWarning?: (message: string) => void
  /** Starts the child of a slot: a real process unless given (state-machine tests simulate one). */
  spawn?: typeof spawnChild
}

/**
 * A supervised pool of child processes. The agent's main process owns the network; children only
 * run code, so a CPU-bound task never starves heartbeats. A child that dies is replaced; the task
 * it was running is reported lost (WORKER_LOST, one attempt) and the tasks queued behind it are
 * re-run on the other children. Tasks a child holds but has not started can be taken back: by an
 * idle sibling, or by a steal from the manager.
 *
 * @example
 * ```ts
 * const pool = new ChildPool({ size: 4, maxRequests: 0, env: {}, onSettled: (outcome) => report(outcome) })
 * const args = encodeValue([1, 2])
 * pool.run([{ id: 't1', attempt: 1, fn: functionEntry({ kind: 'source', source: '(a, b) => a + b' }), timeout: 0, bytes: args, start: 0, end: args.length }])
 * ```
 */
export class ChildPool {
  readonly #options: ChildPoolOptions
  readonly #slots: ChildSlot[] = []
  readonly #queue = new PoolQueue()
  /** Run times per function on this node's children: each child's window is sized in time from them. */
  readonly #runTimes = new FunctionRunTimes()
  readonly #events: ChildEvents
  readonly #spawn: typeof spawnChild
  #closing = false
  #idleWaiters: (() => void)[] = []
  #readyWaiters: (() => void)[] = []

  constructor(options: ChildPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1)
      throw new TypeError('options.size must be a positive integer')
    if (!Number.isInteger(options.maxRequests) || options.maxRequests < 0)
      throw new TypeError('options.maxRequests must be a non-negative integer')
    this.#options = options
    this.#spawn = options.spawn ?? spawnChild
    this.#events = {
      outcome: (slot, message) => this.#onSettled(slot, message),
      output: (pid, chunks) => this.#options.onOutput?.(pid, chunks),
      message: (slot, message) => this.#onMessage(slot, message),
      exit: (slot, child, code, signal) => this.#onExit(slot, child, code, signal),
      warning: (message) => this.#options.onWarning?.(message),
    }
    for (let i = 0; i < options.size; i++) this.#addSlot(i)
  }

  get size(): number {
    return this.#slots.filter((slot) => !slot.removed).length
  }

  /**
   * Resolves once every child has started (or after `timeoutMs`): an agent that joins before
   * then would see its first tasks pile up on the children that happen to be up already.
   */
  whenReady(timeoutMs: number): Promise<void> {
    if (this.#slots.every((slot) => slot.ready)) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      timer.unref()
      this.#readyWaiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /** Children with work right now (running or next in line there). */
  get busy(): number {
    let busy = 0
    for (const slot of this.#slots) if (slot.held.length > 0) busy++
    return busy
  }

  /** Per child: true while it has work. */
  workerBusy(): boolean[] {
    return this.#slots.filter((slot) => !slot.removed).map((slot) => slot.held.length > 0)
  }

  /** Process ids of the live children. */
  pids(): number[] {
    return this.#slots.flatMap((slot) => (slot.child?.pid !== undefined ? [slot.child.pid] : []))
  }

  get queued(): number {
    return this.#queue.size
  }

  /** Queues tasks; one call per received batch, so children get batches too. */
  run(tasks: readonly PoolTask[]): void {
    for (const task of tasks) this.#queue.push(task)
    this.#schedule()
  }

  cancel(request: CancelRequest): void {
    const code = request.reason === 'timeout' ? 'TASK_TIMEOUT' : 'CANCELLED'
    const queued = this.#queue.remove(request.id)
    if (queued !== undefined) return this.#options.onSettled(stoppedOutcome(queued, code))
    for (const slot of this.#slots) {
      const answer = cancelHeld(slot, request.id, code)
      if (answer === 'absent') continue
      if (answer !== undefined) {
        this.#options.onSettled(answer)
        // Not started: the child skips it in line. One that started meanwhile runs on, its result dropped.
        this.#send(slot, { type: 'drop', id: request.id })
      }
      return
    }
  }

  /**
   * Work stealing: removes and returns up to `count` tasks no child has started, from the agent's
   * queue (the most recently queued first; the oldest stay, so they start soonest here). For the
   * rest, children are asked to hand back tasks they hold but have not started; those come to
   * `later` when the children answer (a child running a synchronous task answers after it).
   */
  takeBack(count: number, later?: (tasks: PoolTask[]) => void): PoolTask[] {
    const taken = this.#queue.takeLast(count)
    if (later !== undefined && taken.length < count && !this.#closing)
      this.#askChildren(planStealReclaims(this.#slots.map(reclaimView), count - taken.length), later)
    return taken
  }

  /** Removes and returns the tasks that no child has started yet (queued here, not sent). */
  takeQueued(): PoolTask[] {
    return this.#queue.takeAll()
  }

  /** Stops taking work; resolves when every child is idle or after `graceMs`, then stops the children. */
  async close(graceMs: number): Promise<void> {
    this.#closing = true
    if (this.busy > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs)
        this.#idleWaiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    this.destroy()
  }

  /** Kills every child now. */
  destroy(): void {
    this.#closing = true
    for (const slot of this.#slots) {
      if (slot.timer) clearTimeout(slot.timer)
      slot.child?.kill('SIGKILL')
    }
  }

  /**
   * Runs `size` children from now on: new ones start at once; surplus ones take no new work,
   * finish what they hold, and exit (nothing is lost or cut short).
   */
  resize(size: number): void {
    if (!Number.isInteger(size) || size < 1) throw new TypeError('size must be a positive integer')
    if (this.#closing) return
    const live = this.#slots.filter((slot) => !slot.removed)
    let next = Math.max(-1, ...this.#slots.map((slot) => slot.index)) + 1
    for (let i = live.length; i < size; i++) this.#addSlot(next++)
    // The idlest children leave first.
    const surplus = live.sort((a, b) => a.held.length - b.held.length).slice(0, Math.max(0, live.length - size))
    for (const slot of surplus) {
      slot.removed = true
      slot.retiring = true
      if (slot.held.length === 0) {
        if (slot.child !== null) this.#send(slot, { type: 'stop' })
        else this.#slots.splice(this.#slots.indexOf(slot), 1)
      }
    }
    this.#schedule()
  }

  #addSlot(index: number): void {
    const slot = new ChildSlot(index)
    this.#slots.push(slot)
    this.#spawn(slot, this.#options.env, this.#events)
  }

  #onMessage(slot: ChildSlot, message: FromChild): void {
    if (message.type === 'ready') {
      slot.ready = true
      if (this.#slots.every((each) => each.ready)) for (const wake of this.#readyWaiters.splice(0)) wake()
      this.#schedule()
      return
    }
    // Handed back unstarted: to the steal that asked, or to the head of the queue for an idle sibling.
    const reclaim = slot.reclaim
    slot.reclaim = null
    const returned = slot.release(message.ids).filter((task) => !slot.answered.delete(task.id))
    armHeadTimer(slot)
    if (typeof reclaim?.for === 'function') {
      if (returned.length > 0) reclaim.for(returned)
    } else this.#queue.pushFront(returned)
    this.#afterChange(slot, returned.length > 0)
  }

  #onSettled(slot: ChildSlot, input: Buffer): void {
    const taken = settleOutcomeMessage(slot, input, this.#runTimes, this.#options.onSettled, (message) =>
      this.#options.onWarning?.(message),
    )
    // Its running task is answered WORKER_LOST when it exits; the tasks behind it run again.
    if (!taken) slot.child?.kill('SIGKILL')
    armHeadTimer(slot)
    this.#afterChange(slot, false)
  }

  /** After a child answered: a retiring child with nothing left stops; the rest gets scheduled. */
  #afterChange(slot: ChildSlot, requeued: boolean): void {
    if (slot.retiring && slot.held.length === 0 && slot.reclaim === null) this.#send(slot, { type: 'stop' })
    // Tasks taken back while closing still run here: the manager was told of nothing else.
    this.#schedule(requeued)
    this.#checkIdle()
  }

  #onExit(slot: ChildSlot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return
    if (slot.timer) clearTimeout(slot.timer)
    slot.timer = null
    slot.timedHead = null
    slot.child = null
    slot.frames = null
    slot.ready = false
    slot.reclaim = null
    // Tasks that never started go back to the front of the queue for the other children.
    this.#queue.pushFront(
      settleExit(slot, code, signal, this.#options.onSettled, (message) => this.#options.onWarning?.(message)),
    )
    slot.answered.clear()
    if (slot.removed) this.#slots.splice(this.#slots.indexOf(slot), 1)
    else if (!this.#closing) this.#spawn(slot, this.#options.env, this.#events)
    this.#schedule()
    this.#checkIdle()
  }

  #schedule(evenWhileClosing = false): void {
    if (this.#closing && !evenWhileClosing) return
    const maxRequests = this.#options.maxRequests
    // Idle children first: a task taken back from a busy child must not go straight back to it.
    for (const slot of this.#idleFirst()) {
      if (this.#queue.size === 0) break
      if (!slot.takesWork) continue
      const limit = maxRequests > 0 ? maxRequests - slot.served : Infinity
      const batch = fillChild(slot, this.#queue, this.#runTimes, limit)
      if (batch.length === 0) continue
      slot.served += batch.length
      // One frame per child: the tasks' byte ranges (adjacent ones copied in one piece).
      const writer = slot.writer
      for (const task of batch) {
        writer.add(task.id, task.fn, task.attempt, task.timeout, PRIORITY_CODE.normal, task.bytes, task.start, task.end)
      }
      const frame = writer.finish(PIPE_HEADROOM)
      if (slot.frames !== null) writeFinished(slot.frames, frame)
      armHeadTimer(slot)
      if (maxRequests > 0 && slot.served >= maxRequests) slot.retiring = true
    }
    if (this.#closing || this.#queue.size > 0) return
    if (this.#slots.some((slot) => slot.takesWork && slot.held.length === 0))
      this.#askChildren(planSiblingReclaims(this.#slots.map(reclaimView), 0), 'sibling')
  }

  #idleFirst(): ChildSlot[] {
    const slots = this.#slots
    if (slots.every((slot) => slot.held.length > 0) || slots.every((slot) => slot.held.length === 0)) return slots
    return [...slots.filter((slot) => slot.held.length === 0), ...slots.filter((slot) => slot.held.length > 0)]
  }

  #askChildren(requests: readonly ReclaimRequest[], reclaimFor: ReclaimFor): void {
    for (const request of requests) {
      const slot = this.#slots.find((each) => each.index === request.index)
      if (slot?.child == null) continue
      slot.reclaim = { for: reclaimFor, count: request.count }
      this.#send(slot, { type: 'reclaim', count: request.count })
    }
  }

  #send(slot: ChildSlot, message: ToChild): void {
    slot.child?.send(message)
  }

  #checkIdle(): void {
    if (this.busy > 0 || this.#idleWaiters.length === 0) return
    for (const wake of this.#idleWaiters.splice(0)) wake()
  }
}
