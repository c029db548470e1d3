import { Fifo } from './fifo.js'
import type { PoolTask } from './pool-task.js'

/**
 * The agent's own queue: tasks received from the manager (or taken back from a child) that no
 * child holds yet. Oldest first (see Fifo: nothing taken stays reachable from here).
 */
export class PoolQueue extends Fifo<PoolTask> {
  /** Removes and returns the task with this id, if it waits here. */
  remove(id: string): PoolTask | undefined {
    return this.removeFirst((task) => task.id === id)
  }
}
