/**
 * What became of the tasks a child held, from what the child reports: each outcome message settles
 * the first of them; a child's death settles the running one (lost, or stopped on purpose) and hands
 * back the rest, which never started.
 */
import { STATUS_OK, readWireError, wireError } from '../protocol/index.js'
import type { FunctionRunTimes } from '../manager/scheduling/estimates.js'
import { stoppedOutcome } from './child-deadlines.js'
import { readOutcomeMessage } from './child-outcome-message.js'
import type { ChildSlot } from './child-slot.js'
import type { PoolOutcome, PoolTask } from './pool-task.js'

/**
 * Settles the task the child holds first, which one outcome message answers; a result of a task
 * answered already (cancelled, timed out) is dropped. False when the message is unreadable or
 * answers another task: an honest child never sends one, so its pipe can no longer be trusted
 * (task code may have written to it) and the caller stops the child.
 */
export function settleOutcomeMessage(
  slot: ChildSlot,
  input: Buffer,
  runTimes: FunctionRunTimes,
  report: (outcome: PoolOutcome) => void,
  warn: (message: string) => void,
): boolean {
  const message = readOutcomeMessage(input)
  if (typeof message === 'string') {
    warn(`child ${slot.index} sent an unreadable outcome (${message}); it is stopped`)
    return false
  }
  const { id, ms, bytes, start, end } = message
  // Only the task held first can be answered: a child runs its tasks in the order it got them.
  const task = slot.settleHead(id)
  if (task === undefined) {
    warn(`child ${slot.index} answered ${JSON.stringify(id)} out of order; it is stopped`)
    return false
  }
  const ok = message.status === STATUS_OK
  const error = ok
    ? undefined
    : (readWireError(bytes, start, end) ??
      wireError('TASK_FAILED', `task ${task.id} failed with an error that could not be read`))
  // A cancelled or timed-out run says nothing about how long the function takes.
  if (ok || error!.code === 'TASK_FAILED') runTimes.record(task.fn.key, ms)
  if (slot.answered.delete(task.id)) return true
  report(
    ok
      ? { id: task.id, attempt: task.attempt, ok: true, bytes, start, end, ms }
      : { id: task.id, attempt: task.attempt, ok: false, error: error!, ms },
  )
  return true
}

/**
 * The slot's child is gone: its first held task gets its answer (the kill's code when it was
 * killed on purpose, else WORKER_LOST: one attempt); returns the others, which never started and
 * were not answered, to run elsewhere.
 */
export function settleExit(
  slot: ChildSlot,
  code: number | null,
  signal: NodeJS.Signals | null,
  report: (outcome: PoolOutcome) => void,
  warn: (message: string) => void,
): PoolTask[] {
  const kill = slot.kill
  const stranded = slot.releaseAll()
  const head = stranded.shift()
  if (head && !slot.answered.has(head.id)) {
    if (kill?.id === head.id) report(stoppedOutcome(head, kill.code))
    else {
      const how = signal ?? `exit code ${code}`
      warn(`child ${slot.index} died (${signal ?? `exit ${code}`}) running task ${head.id}`)
      report({
        id: head.id,
        attempt: head.attempt,
        ok: false,
        error: wireError('WORKER_LOST', `the worker process died running task ${head.id} (${how})`),
        ms: 0,
      })
    }
  }
  const restart = stranded.filter((task) => !slot.answered.has(task.id))
  slot.answered.clear()
  return restart
}
