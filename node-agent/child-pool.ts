import { fork, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { Duplex } from 'node:stream'
import { fileURLToPath } from 'node:url'
import {
  FunctionTable,
  PRIORITY_CODE,
  STATUS_OK,
  TaskFrameWriter,
  childHasRoom,
  outcomeError,
  readOutcomeFrame,
  wireError,
  type CancelRequest,
  type FunctionEntry,
  type WireError,
} from '../protocol/index.js'
import { FunctionRunTimes } from '../manager/scheduling/estimates.js'
import { PIPE_FRAME, PIPE_HEADROOM, PIPE_OUTPUT, readFrames, writeFinished } from './child-frames.js'
import type { ChildOutputChunk, FromChild, ToChild } from './child-messages.js'

/** A task on this node: its argument bytes are `bytes[start .. end)` of the frame it came in. */
export interface PoolTask {
  readonly id: string
  readonly attempt: number
  readonly fn: FunctionEntry
  /** ms; 0 = none. */
  readonly timeout: number
  readonly bytes: Uint8Array
  readonly start: number
  readonly end: number
}

/** How a task ended on this node. A result is `bytes[start .. end)` of the child's outcome frame. */
export type PoolOutcome =
  | {
      readonly id: string
      readonly attempt: number
      readonly ms: number
      readonly ok: true
      readonly bytes: Uint8Array
      readonly start: number
      readonly end: number
    }
  | {
      readonly id: string
      readonly attempt: number
      readonly ms: number
      readonly ok: false
      readonly error: WireError
    }

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
}

/** Why a child is being killed on purpose, and the answer its running task gets. */
interface Kill {
  id: string
  code: 'TASK_TIMEOUT' | 'CANCELLED'
}

class Slot {
  child: ChildProcess | null = null
  /** The frame pipe to the child (task frames down; outcome frames and task output up). */
  frames: Duplex | null = null
  ready = false
  /** Tasks sent to the child, in the order it runs them; the first one is running. */
  readonly inFlight: PoolTask[] = []
  /** The function table of the link to this child process (a new process starts a new one). */
  readonly functions = new FunctionTable()
  /** Builds the frames to this child (kept: a writer reuses its columns frame after frame). */
  readonly writer = new TaskFrameWriter(this.functions)
  /** The expected ms of each task in `inFlight` (undefined: its function was unmeasured). */
  readonly expectedMs: (number | undefined)[] = []
  /** Sums over `expectedMs`: measured ms, and how many were unmeasured. */
  knownMs = 0
  unknown = 0
  /** Tasks already answered (cancelled) whose late result must be dropped. */
  readonly answered = new Set<string>()
  /** Tasks sent to this child since it started (for --max-requests). */
  served = 0
  retiring = false
  /** Taken out of the pool by a resize: it finishes what it holds, then leaves for good. */
  removed = false
  kill: Kill | null = null
  timer: NodeJS.Timeout | null = null
  headId: string | null = null

  constructor(readonly index: number) {}
}

/**
 * The children's environment: the agent's, less the shared secret (a task runs arbitrary code and
 * has no business with the token), plus the node's name and id.
 */
export function childEnvironment(
  extra: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const childEnv: NodeJS.ProcessEnv = { ...env, ...extra }
  delete childEnv.ARGON_TOKEN
  return childEnv
}

function childEntryPath(): string {
  // From sources (tsx) the sibling is .ts; from dist/ it is .js.
  const js = fileURLToPath(new URL('./child-entry.js', import.meta.url))
  return existsSync(js) ? js : fileURLToPath(new URL('./child-entry.ts', import.meta.url))
}

/**
 * A supervised pool of child processes. The agent's main process owns the network; children only
 * run code, so a CPU-bound task never starves heartbeats. A child that dies is replaced; the task
 * it was running is reported lost (WORKER_LOST, one attempt) and the tasks queued behind it are
 * re-run on the other children.
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
  readonly #slots: Slot[] = []
  #queue: PoolTask[] = []
  #queueHead = 0
  /** Run times per function on this node's children: each child's window is sized in time from them. */
  readonly #runTimes = new FunctionRunTimes()
  #closing = false
  #idleWaiters: (() => void)[] = []
  #readyWaiters: (() => void)[] = []

  constructor(options: ChildPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1)
      throw new TypeError('options.size must be a positive integer')
    if (!Number.isInteger(options.maxRequests) || options.maxRequests < 0)
      throw new TypeError('options.maxRequests must be a non-negative integer')
    this.#options = options
    for (let i = 0; i < options.size; i++) {
      const slot = new Slot(i)
      this.#slots.push(slot)
      this.#spawn(slot)
    }
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

  /** Tasks on children right now (running or next in line there). */
  get busy(): number {
    let busy = 0
    for (const slot of this.#slots) if (slot.inFlight.length > 0) busy++
    return busy
  }

  /** Per child: true while it has work. */
  workerBusy(): boolean[] {
    return this.#slots.filter((slot) => !slot.removed).map((slot) => slot.inFlight.length > 0)
  }

  /** Process ids of the live children. */
  pids(): number[] {
    return this.#slots.flatMap((slot) => (slot.child?.pid !== undefined ? [slot.child.pid] : []))
  }

  get queued(): number {
    return this.#queue.length - this.#queueHead
  }

  /** Queues tasks; one call per received batch, so children get batches too. */
  run(tasks: readonly PoolTask[]): void {
    for (const task of tasks) this.#queue.push(task)
    this.#schedule()
  }

  cancel(request: CancelRequest): void {
    const code = request.reason === 'timeout' ? 'TASK_TIMEOUT' : 'CANCELLED'
    for (let i = this.#queueHead; i < this.#queue.length; i++) {
      const task = this.#queue[i]!
      if (task.id === request.id) {
        this.#queue.splice(i, 1)
        this.#answer(task, code)
        return
      }
    }
    for (const slot of this.#slots) {
      const position = slot.inFlight.findIndex((task) => task.id === request.id)
      if (position < 0 || slot.answered.has(request.id)) continue
      if (position === 0) this.#killFor(slot, { id: request.id, code })
      else {
        // Not started yet: answer now and drop the child's result when it comes.
        slot.answered.add(request.id)
        this.#answer(slot.inFlight[position]!, code)
      }
      return
    }
  }

  /**
   * Work stealing: removes and returns up to `count` tasks no child has started (the most
   * recently queued first; the oldest stay, so they start soonest here).
   */
  takeBack(count: number): PoolTask[] {
    const take = Math.min(count, this.queued)
    if (take <= 0) return []
    return this.#queue.splice(this.#queue.length - take, take)
  }

  /** Removes and returns the tasks that no child has started yet (queued here, not sent). */
  takeQueued(): PoolTask[] {
    const taken = this.#queue.slice(this.#queueHead)
    this.#queue = []
    this.#queueHead = 0
    return taken
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

  #spawn(slot: Slot): void {
    const child = fork(childEntryPath(), [], {
      env: childEnvironment(this.#options.env),
      // fd 3: the IPC channel (ready, stop); fd 4: the frame pipe (child-frames.ts).
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
    })
    slot.child = child
    slot.functions.clear()
    slot.ready = false
    slot.served = 0
    slot.retiring = false
    slot.kill = null
    const frames = child.stdio[4] as Duplex
    slot.frames = frames
    // A pipe to a child that died fails its pending writes; the exit handler deals with the child.
    frames.on('error', () => undefined)
    readFrames(frames, (frame, kind) => {
      if (slot.child !== child) return
      if (kind === PIPE_FRAME) this.#onSettled(slot, frame)
      else if (kind === PIPE_OUTPUT) this.#onOutput(child, frame)
    })
    child.on('message', (message: FromChild) => {
      if (message.type === 'ready') {
        slot.ready = true
        if (this.#slots.every((each) => each.ready)) for (const wake of this.#readyWaiters.splice(0)) wake()
        this.#schedule()
      }
    })
    child.once('exit', (code, signal) => this.#onExit(slot, child, code, signal))
    child.on('error', (error) => this.#options.onWarning?.(`child ${slot.index}: ${error.message}`))
  }

  #onOutput(child: ChildProcess, input: Buffer): void {
    let chunks: unknown
    try {
      chunks = JSON.parse(input.toString('utf8'))
    } catch {
      return this.#options.onWarning?.('a child sent task output that could not be read')
    }
    if (Array.isArray(chunks)) this.#options.onOutput?.(child.pid ?? 0, chunks as ChildOutputChunk[])
  }

  #onSettled(slot: Slot, input: Uint8Array): void {
    const frame = readOutcomeFrame(input)
    if (!frame.ok) {
      this.#options.onWarning?.(`child ${slot.index} sent an unreadable outcome frame: ${frame.message}`)
      return
    }
    const { ids, ms, status, bytes, offsets } = frame
    for (let i = 0; i < frame.count; i++) {
      const task = slot.inFlight[0]
      if (!task || task.id !== ids[i]) {
        this.#options.onWarning?.(`child ${slot.index} answered ${ids[i]} out of order`)
        continue
      }
      slot.inFlight.shift()
      const runMs = ms[i]!
      const expected = slot.expectedMs.shift()
      if (expected === undefined) slot.unknown = Math.max(0, slot.unknown - 1)
      else slot.knownMs = slot.inFlight.length === 0 ? 0 : Math.max(0, slot.knownMs - expected)
      const ok = status[i] === STATUS_OK
      const error = ok
        ? undefined
        : (outcomeError(frame, i) ??
          wireError('TASK_FAILED', `task ${task.id} failed with an error that could not be read`))
      // A cancelled or timed-out run says nothing about how long the function takes.
      if (ok || error!.code === 'TASK_FAILED') this.#runTimes.record(task.fn.key, runMs)
      if (slot.answered.delete(task.id)) continue
      this.#options.onSettled(
        ok
          ? { id: task.id, attempt: task.attempt, ok: true, bytes, start: offsets[i]!, end: offsets[i + 1]!, ms: runMs }
          : { id: task.id, attempt: task.attempt, ok: false, error: error!, ms: runMs },
      )
    }
    this.#armTimer(slot)
    if (slot.retiring && slot.inFlight.length === 0) this.#send(slot, { type: 'stop' })
    this.#schedule()
    this.#checkIdle()
  }

  #onExit(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return
    if (slot.timer) clearTimeout(slot.timer)
    slot.timer = null
    slot.child = null
    slot.frames = null
    slot.ready = false
    const kill = slot.kill
    const stranded = slot.inFlight.splice(0)
    slot.expectedMs.length = 0
    slot.knownMs = 0
    slot.unknown = 0
    const head = stranded.shift()
    if (head && !slot.answered.has(head.id)) {
      if (kill?.id === head.id) this.#answer(head, kill.code)
      else {
        this.#options.onWarning?.(`child ${slot.index} died (${signal ?? `exit ${code}`}) running task ${head.id}`)
        this.#options.onSettled({
          id: head.id,
          attempt: head.attempt,
          ok: false,
          error: wireError(
            'WORKER_LOST',
            `the worker process died running task ${head.id} (${signal ?? `exit code ${code}`})`,
          ),
          ms: 0,
        })
      }
    }
    // Tasks that never started go back to the front of the queue for the other children.
    const restart = stranded.filter((task) => !slot.answered.has(task.id))
    slot.answered.clear()
    this.#queue.splice(this.#queueHead, 0, ...restart)
    if (slot.removed) this.#slots.splice(this.#slots.indexOf(slot), 1)
    else if (!this.#closing) this.#spawn(slot)
    this.#schedule()
    this.#checkIdle()
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
    for (let i = live.length; i < size; i++) {
      const slot = new Slot(next++)
      this.#slots.push(slot)
      this.#spawn(slot)
    }
    // The idlest children leave first.
    const surplus = live.sort((a, b) => a.inFlight.length - b.inFlight.length).slice(0, Math.max(0, live.length - size))
    for (const slot of surplus) {
      slot.removed = true
      slot.retiring = true
      if (slot.inFlight.length === 0) {
        if (slot.child !== null) this.#send(slot, { type: 'stop' })
        else this.#slots.splice(this.#slots.indexOf(slot), 1)
      }
    }
    this.#schedule()
  }

  #answer(task: PoolTask, code: 'TASK_TIMEOUT' | 'CANCELLED'): void {
    const message =
      code === 'TASK_TIMEOUT' ? `task ${task.id} timed out after ${task.timeout} ms` : `task ${task.id} was cancelled`
    this.#options.onSettled({ id: task.id, attempt: task.attempt, ok: false, error: wireError(code, message), ms: 0 })
  }

  #killFor(slot: Slot, kill: Kill): void {
    slot.kill = kill
    slot.child?.kill('SIGKILL')
  }

  /** The running task's timeout counts from when it reached the head of its child's line. */
  #armTimer(slot: Slot): void {
    const head = slot.inFlight[0]
    if (head?.id === slot.headId) return
    if (slot.timer) clearTimeout(slot.timer)
    slot.timer = null
    slot.headId = head?.id ?? null
    if (head !== undefined && head.timeout > 0) {
      slot.timer = setTimeout(() => {
        if (slot.inFlight[0] === head) this.#killFor(slot, { id: head.id, code: 'TASK_TIMEOUT' })
      }, head.timeout)
    }
  }

  #schedule(): void {
    if (this.#closing || this.queued === 0) return
    // Each child's window is sized in time from the tasks it holds: fast ones queue there (no idle
    // gap between tasks), longer or unmeasured ones wait here, where a steal can still take them.
    for (const slot of this.#slots) {
      if (!slot.ready || slot.retiring || slot.kill) continue
      let room = this.#options.maxRequests > 0 ? this.#options.maxRequests - slot.served : Infinity
      const held = { slots: 1, count: slot.inFlight.length, knownMs: slot.knownMs, unknown: slot.unknown }
      const batch: PoolTask[] = []
      while (room > 0 && this.#queueHead < this.#queue.length) {
        const task = this.#queue[this.#queueHead]!
        const expected = this.#runTimes.expected(task.fn.key)
        if (!childHasRoom(held, expected)) break
        this.#queueHead++
        room--
        batch.push(task)
        slot.inFlight.push(task)
        slot.expectedMs.push(expected)
        held.count++
        if (expected === undefined) held.unknown++
        else held.knownMs += expected
      }
      if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#queueHead)
        this.#queueHead = 0
      }
      if (batch.length === 0) continue
      slot.knownMs = held.knownMs
      slot.unknown = held.unknown
      slot.served += batch.length
      // One frame per child: the tasks' byte ranges (adjacent ones copied in one piece).
      const writer = slot.writer
      for (const task of batch) {
        writer.add(task.id, task.fn, task.attempt, task.timeout, PRIORITY_CODE.normal, task.bytes, task.start, task.end)
      }
      const frame = writer.finish(PIPE_HEADROOM)
      if (slot.frames !== null) writeFinished(slot.frames, frame)
      this.#armTimer(slot)
      if (this.#options.maxRequests > 0 && slot.served >= this.#options.maxRequests) slot.retiring = true
      if (this.queued === 0) break
    }
  }

  #send(slot: Slot, message: ToChild): void {
    slot.child?.send(message)
  }

  #checkIdle(): void {
    if (this.busy > 0 || this.#idleWaiters.length === 0) return
    for (const wake of this.#idleWaiters.splice(0)) wake()
  }
}
