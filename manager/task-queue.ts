import type { Priority } from '../protocol/index.js'

/** What the queue needs of a task. */
export interface Queueable {
  readonly id: string
  readonly priority: Priority
}

/**
 * A ring-buffer deque: O(1) push and shift at both ends. Removal from the middle is done by the
 * owner marking entries dead and the queue skipping them (see TaskQueue.remove).
 */
class Deque<T> {
  #buffer: (T | undefined)[] = new Array(16)
  #head = 0
  #length = 0

  get length(): number {
    return this.#length
  }

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

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#length; i++) yield this.#buffer[(this.#head + i) & (this.#buffer.length - 1)] as T
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
 * Failover puts a task back at the head of its priority. Removal by id (cancel) is O(1): the id
 * leaves the live set and the stale entry is skipped when it reaches the head.
 */
export class TaskQueue<T extends Queueable> {
  readonly #lanes: Record<Priority, Deque<T>> = { high: new Deque(), normal: new Deque(), low: new Deque() }
  readonly #live = new Map<string, T>()

  /** Waiting tasks (cancelled ones excluded). */
  get size(): number {
    return this.#live.size
  }

  has(id: string): boolean {
    return this.#live.has(id)
  }

  /** Adds a task behind the others of its priority. */
  push(task: T): void {
    this.#live.set(task.id, task)
    this.#lanes[task.priority].pushBack(task)
  }

  /** Puts a task back in front of the others of its priority (failover). */
  pushFront(task: T): void {
    this.#live.set(task.id, task)
    this.#lanes[task.priority].pushFront(task)
  }

  /** Takes the next task out, or undefined when none waits. */
  shift(): T | undefined {
    for (const priority of ORDER) {
      const lane = this.#lanes[priority]
      let task = lane.shift()
      while (task !== undefined) {
        if (this.#live.get(task.id) === task) {
          this.#live.delete(task.id)
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
        if (this.#live.get(task.id) === task) return task
        lane.shift()
        task = lane.peek()
      }
    }
    return undefined
  }

  /** Removes a waiting task; returns it, or undefined when it was not waiting. */
  remove(id: string): T | undefined {
    const task = this.#live.get(id)
    if (task !== undefined) this.#live.delete(id)
    return task
  }

  /** Waiting tasks in the order they would leave. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const priority of ORDER) {
      for (const task of this.#lanes[priority]) if (this.#live.get(task.id) === task) yield task
    }
  }
}
