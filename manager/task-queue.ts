import type { Priority } from '../protocol/index.js'

/** What the queue needs of a task: its priority, and a mark the queue keeps while it waits. */
export interface Queueable {
  readonly id: string
  readonly priority: Priority
  /** Set by the queue: true while the task waits in it. */
  queued?: boolean
}

/**
 * A ring-buffer deque: O(1) push and shift at both ends. Removal from the middle is done by the
 * owner marking entries dead and the queue skipping them (see TaskQueue.remove).
 */
class Deque<T> {
  #buffer: (T | undefined)[] = new Array<T | undefined>(16)
  #head = 0
  #length = 0

  pushBack(item: T): void {
    this.#grow()
    this.#buffer[(this.#head + this.#length) & (this.#buffer.length - 1)] = item
    this.#length++
  }

  pushFront(item: T): void {
    this.#grow()
    this.#head = (this.#head - 1 + this.#buffer.length) & (this.#buffer.length - 1)
    this.#buffer[this.#head] = item
    this.#length++
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined
    const item = this.#buffer[this.#head]
    this.#buffer[this.#head] = undefined
    this.#head = (this.#head + 1) & (this.#buffer.length - 1)
    this.#length--
    return item
  }

  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#buffer[this.#head]
  }

  #grow(): void {
    if (this.#length < this.#buffer.length) return
    const next = new Array<T | undefined>(this.#buffer.length * 2)
    for (let i = 0; i < this.#length; i++) next[i] = this.#buffer[(this.#head + i) & (this.#buffer.length - 1)]
    this.#buffer = next
    this.#head = 0
  }
}

const ORDER: readonly Priority[] = ['high', 'normal', 'low']

/**
 * The manager's waiting tasks: FIFO within priority (`high` before `normal` before `low`).
 * Failover puts a task back at the head of its priority. Removal (cancel) is O(1): the task's
 * `queued` mark is cleared and its entry is skipped when it reaches the head. No index by id: the
 * owner already holds the task, and a million waiting tasks need no second map.
 */
export class TaskQueue<T extends Queueable> {
  readonly #lanes: Record<Priority, Deque<T>> = { high: new Deque(), normal: new Deque(), low: new Deque() }
  #size = 0

  /** Waiting tasks (cancelled ones excluded). */
  get size(): number {
    return this.#size
  }

  /** Adds a task behind the others of its priority. */
  push(task: T): void {
    this.#mark(task)
    this.#lanes[task.priority].pushBack(task)
  }

  /** Puts a task back in front of the others of its priority (failover). */
  pushFront(task: T): void {
    this.#mark(task)
    this.#lanes[task.priority].pushFront(task)
  }

  /** Takes the next task out, or undefined when none waits. */
  shift(): T | undefined {
    for (const priority of ORDER) {
      const lane = this.#lanes[priority]
      let task = lane.shift()
      while (task !== undefined) {
        if (task.queued === true) {
          task.queued = false
          this.#size--
          return task
        }
        task = lane.shift()
      }
    }
    return undefined
  }

  /** The task `shift` would take next, left in place (stale entries ahead of it are dropped). */
  peek(): T | undefined {
    for (const priority of ORDER) {
      const lane = this.#lanes[priority]
      let task = lane.peek()
      while (task !== undefined) {
        if (task.queued === true) return task
        lane.shift()
        task = lane.peek()
      }
    }
    return undefined
  }

  /** Removes a waiting task; returns it, or undefined when it was not waiting. */
  remove(task: T): T | undefined {
    if (task.queued !== true) return undefined
    task.queued = false
    this.#size--
    return task
  }

  #mark(task: T): void {
    // A task can only wait once: pushing one that waits already leaves a stale entry behind.
    if (task.queued !== true) this.#size++
    task.queued = true
  }
}
