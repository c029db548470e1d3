import type { ChildProcess } from 'node:child_process'
import type { Duplex } from 'node:stream'
import { FunctionTable, TaskFrameWriter, type HeldWork } from '../protocol/index.js'
import type { PoolTask } from './pool-task.js'

/** Why a child is being killed on purpose, and the answer its running task gets. */
export interface Kill {
  readonly id: string
  readonly code: 'TASK_TIMEOUT' | 'CANCELLED'
}

/** Who asked a child to hand back tasks: an idle sibling, or a steal by the manager. */
export type ReclaimFor = 'sibling' | ((tasks: PoolTask[]) => void)

/**
 * One child of the pool and what it holds: the tasks sent to it, in the order it runs them (the
 * first one is running, or about to), with their estimates, so its window is sized in time.
 */
export class ChildSlot {
  child: ChildProcess | null = null
  /** The frame pipe to the child (task frames down; outcome messages and task output up). */
  frames: Duplex | null = null
  ready = false
  /** The function table of the link to this child process (a new process starts a new one). */
  readonly functions = new FunctionTable()
  /** Builds the frames to this child (kept: a writer reuses its columns frame after frame). */
  readonly writer = new TaskFrameWriter(this.functions)
  /** Tasks already answered (cancelled) whose late result, or return, must be dropped. */
  readonly answered = new Set<string>()
  /** Tasks sent to this child since it started (for --max-requests). */
  served = 0
  retiring = false
  /** Taken out of the pool by a resize: it finishes what it holds, then leaves for good. */
  removed = false
  kill: Kill | null = null
  timer: NodeJS.Timeout | null = null
  /** The held task the timer is for (the object, not its id: two attempts of one task may follow each other). */
  timedHead: PoolTask | null = null
  /** A reclaim sent and not answered yet: for whom, and how many tasks were asked. */
  reclaim: { readonly for: ReclaimFor; readonly count: number } | null = null

  readonly #held: PoolTask[] = []
  /** The expected ms of each held task (undefined: its function was unmeasured). */
  readonly #expectedMs: (number | undefined)[] = []
  /** Sums over `#expectedMs`: measured ms, and how many were unmeasured. */
  #knownMs = 0
  #unknown = 0

  constructor(readonly index: number) {}

  /** A new child process took the slot: it starts afresh (not ready until it says so). */
  started(child: ChildProcess, frames: Duplex): void {
    this.child = child
    this.frames = frames
    this.functions.clear()
    this.ready = false
    this.served = 0
    this.retiring = false
    this.kill = null
    this.reclaim = null
  }

  /** Tasks sent to the child and not answered by it. */
  get held(): readonly PoolTask[] {
    return this.#held
  }

  get head(): PoolTask | undefined {
    return this.#held[0]
  }

  /** Takes work now: started, not leaving, not being killed. */
  get takesWork(): boolean {
    return this.ready && !this.retiring && this.kill === null
  }

  /** Held tasks that may not have started: all but the first. */
  get unstarted(): number {
    return Math.max(0, this.#held.length - 1)
  }

  /** What it holds, in estimated time (the window's input). */
  heldWork(): HeldWork {
    return { slots: 1, count: this.#held.length, knownMs: this.#knownMs, unknown: this.#unknown }
  }

  /** Mean estimated ms of the held tasks that may not have started (Infinity if one is unmeasured). */
  unstartedMeanMs(): number {
    let ms = 0
    for (let i = 1; i < this.#held.length; i++) {
      const expected = this.#expectedMs[i]
      if (expected === undefined) return Infinity
      ms += expected
    }
    return this.#held.length > 1 ? ms / (this.#held.length - 1) : 0
  }

  hold(task: PoolTask, expectedMs: number | undefined): void {
    this.#held.push(task)
    this.#expectedMs.push(expectedMs)
    if (expectedMs === undefined) this.#unknown++
    else this.#knownMs += expectedMs
  }

  /** The child answered its first held task: removes and returns it (undefined if `id` is not first). */
  settleHead(id: string): PoolTask | undefined {
    if (this.#held[0]?.id !== id) return undefined
    this.#forget(0)
    return this.#held.shift()
  }

  /** The child handed these back unstarted: removes and returns those it held, in their order. */
  release(ids: readonly string[]): PoolTask[] {
    const wanted = new Set(ids)
    const released: PoolTask[] = []
    for (let i = this.#held.length - 1; i >= 0; i--) {
      if (!wanted.has(this.#held[i]!.id)) continue
      this.#forget(i)
      released.push(...this.#held.splice(i, 1))
    }
    return released.reverse()
  }

  /** The child is gone: everything it held, in order. */
  releaseAll(): PoolTask[] {
    this.#expectedMs.length = 0
    this.#knownMs = 0
    this.#unknown = 0
    return this.#held.splice(0)
  }

  #forget(index: number): void {
    const expected = this.#expectedMs.splice(index, 1)[0]
    if (expected === undefined) this.#unknown = Math.max(0, this.#unknown - 1)
    // Estimates move while tasks are held: an empty child starts again from zero.
    else this.#knownMs = this.#held.length <= 1 ? 0 : Math.max(0, this.#knownMs - expected)
  }
}
