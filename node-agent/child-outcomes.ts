/**
 * What became of the tasks a child held, from what the child reports: an outcome frame settles
 * them in order; a child's death settles the running one (lost, or stopped on purpose) and hands
 * back the rest, which never started.
 */
import { STATUS_OK, outcomeError, readOutcomeFrame, wireError } from '../protocol/index.js'
import type { FunctionRunTimes } from '../manager/scheduling/estimates.js'
import { stoppedOutcome } from './child-deadlines.js'
import type { ChildSlot } from './child-slot.js'
import type { PoolOutcome, PoolTask } from './pool-task.js'

/** Settles the held tasks answered by one outcome frame; results of tasks answered already are dropped. */
export function settleOutcomeFrame(
  slot: ChildSlot,
  input: Uint8Array,
  runTimes: FunctionRunTimes,
  report: (outcome: PoolOutcome) => void,
  warn: (message: string) => void,
): void {
  const frame = readOutcomeFrame(input)
  if (!frame.ok) return warn(`child ${slot.index} sent an unreadable outcome frame: ${frame.message}`)
  const { ids, ms, status, bytes, offsets } = frame
  for (let i = 0; i < frame.count; i++) {
    const task = slot.settleHead(ids[i]!)
    if (task === undefined) {
      warn(`child ${slot.index} answered ${ids[i]} out of order`)
      continue
    }
    const runMs = ms[i]!
    const ok = status[i] === STATUS_OK
    const error = ok
      ? undefined
      : (outcomeError(frame, i) ??
        wireError('TASK_FAILED', `task ${task.id} failed with an error that could not be read`))
    // A cancelled or timed-out run says nothing about how long the function takes.
    if (ok || error!.code === 'TASK_FAILED') runTimes.record(task.fn.key, runMs)
    if (slot.answered.delete(task.id)) continue
    report(
      ok
        ? { id: task.id, attempt: task.attempt, ok: true, bytes, start: offsets[i]!, end: offsets[i + 1]!, ms: runMs }
        : { id: task.id, attempt: task.attempt, ok: false, error: error!, ms: runMs },
    )
  }
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
