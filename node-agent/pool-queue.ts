import type { PoolTask } from './pool-task.js'

/**
 * The agent's own queue: tasks received from the manager (or taken back from a child) that no
 * child holds yet. Oldest first; taking from the head is O(1) (the array is compacted now and then).
 */
export class PoolQueue {
  #tasks: PoolTask[] = []
  #head = 0

  get size(): number {
    return this.#tasks.length - this.#head
  }

  peek(): PoolTask | undefined {
    return this.#tasks[this.#head]
  }

  shift(): PoolTask | undefined {
    if (this.size === 0) return undefined
    const task = this.#tasks[this.#head++]!
    if (this.#head > 1024 && this.#head * 2 > this.#tasks.length) {
      this.#tasks = this.#tasks.slice(this.#head)
      this.#head = 0
    }
    return task
  }

  push(task: PoolTask): void {
    this.#tasks.push(task)
  }

  /** Puts tasks back at the head, in their order (they were received before what waits here). */
  pushFront(tasks: readonly PoolTask[]): void {
    if (tasks.length > 0) this.#tasks.splice(this.#head, 0, ...tasks)
  }

  /** Removes and returns the task with this id, if it waits here. */
  remove(id: string): PoolTask | undefined {
    for (let i = this.#head; i < this.#tasks.length; i++) {
      if (this.#tasks[i]!.id === id) return this.#tasks.splice(i, 1)[0]
    }
    return undefined
  }

  /** Removes and returns up to `count` tasks, the most recently queued (the oldest stay, so they start soonest). */
  takeLast(count: number): PoolTask[] {
    const take = Math.min(count, this.size)
    if (take <= 0) return []
    return this.#tasks.splice(this.#tasks.length - take, take)
  }

  /** Removes and returns every task. */
  takeAll(): PoolTask[] {
    const taken = this.#tasks.slice(this.#head)
    this.#tasks = []
    this.#head = 0
    return taken
  }
}
