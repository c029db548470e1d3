/**
 * Stopping tasks on purpose: a timeout or a cancellation of the running task kills its child (a
 * busy task cannot be interrupted otherwise); a task not started is answered at once, its child
 * told to skip it, and any later result (or return) dropped.
 */
import { wireError } from '../protocol/index.js'
import type { ChildSlot, Kill } from './child-slot.js'
import type { PoolOutcome, PoolTask } from './pool-task.js'

export type StopCode = Kill['code']

/** The answer a task gets when it is stopped on purpose. */
export function stoppedOutcome(task: PoolTask, code: StopCode): PoolOutcome {
  const message =
    code === 'TASK_TIMEOUT' ? `task ${task.id} timed out after ${task.timeout} ms` : `task ${task.id} was cancelled`
  return { id: task.id, attempt: task.attempt, ok: false, error: wireError(code, message), ms: 0 }
}

/** Kills the child for its running task; the exit handler gives that task `kill.code`. */
export function killFor(slot: ChildSlot, kill: Kill): void {
  slot.kill = kill
  slot.child?.kill('SIGKILL')
}

/**
 * Keeps the timer of the child's first held task: its timeout counts from when it reached the head
 * of its child's line (when it starts), so time spent waiting behind another task never counts.
 */
export function armHeadTimer(slot: ChildSlot): void {
  const head = slot.head
  if ((head ?? null) === slot.timedHead) return
  if (slot.timer) clearTimeout(slot.timer)
  slot.timer = null
  slot.timedHead = head ?? null
  if (head !== undefined && head.timeout > 0) {
    slot.timer = setTimeout(() => {
      if (slot.head === head) killFor(slot, { id: head.id, code: 'TASK_TIMEOUT' })
    }, head.timeout)
  }
}

/**
 * Cancels a task a child holds: the running one by killing its child, one not started by answering
 * now (the child's result, or its return by a reclaim, is dropped). Returns the outcome to report
 * now, or undefined when the kill will report it (or the slot does not hold the task).
 */
export function cancelHeld(slot: ChildSlot, id: string, code: StopCode): PoolOutcome | undefined | 'absent' {
  const position = slot.held.findIndex((task) => task.id === id)
  if (position < 0 || slot.answered.has(id)) return 'absent'
  if (position === 0) {
    killFor(slot, { id, code })
    return undefined
  }
  slot.answered.add(id)
  return stoppedOutcome(slot.held[position]!, code)
}
