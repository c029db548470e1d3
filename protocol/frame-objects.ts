/**
 * Frames ⇄ plain objects, for code off the hot path: tools, tests, and peers that send a handful
 * of tasks. The hot paths write and read the columns directly (protocol/batch-frame.ts).
 */
import {
  OutcomeFrameWriter,
  PRIORITY_CODE,
  STATUS_OK,
  TaskFrameWriter,
  outcomeNode,
  outcomeResult,
  readOutcomeFrame,
  readTaskFrame,
} from './batch-frame.js'
import { FunctionRegistry, FunctionTable, functionEntry } from './function-table.js'
import { outcomeError } from './outcome-error.js'
import type { NodeTaskOutcome, TaskOutcome, TaskSubmission } from './task.js'
import { wireError } from './wire-error.js'

/**
 * A task frame for `submissions`. Pass the link's table to send more than one frame on a
 * connection (each function's source goes in the first frame that uses it).
 *
 * @example
 * ```ts
 * socket.emit('task:submit', taskFrameOf([{ id: 'c1-1', fn: { kind: 'source', source: '(a) => a' }, args: encodeValue([1]) }]))
 * ```
 */
export function taskFrameOf(submissions: readonly TaskSubmission[], table = new FunctionTable()): Buffer {
  const writer = new TaskFrameWriter(table)
  for (const task of submissions) {
    writer.add(
      task.id,
      functionEntry(task.fn),
      0,
      task.timeout ?? 0,
      PRIORITY_CODE[task.priority ?? 'normal'],
      task.args,
      0,
      task.args.byteLength,
    )
  }
  return writer.finish()
}

/** An outcome frame for client answers. */
export function outcomeFrameOfAnswers(outcomes: readonly TaskOutcome[]): Buffer {
  const writer = new OutcomeFrameWriter()
  for (const outcome of outcomes) {
    if (outcome.ok) writer.addResult(outcome.id, 0, 0, outcome.node, outcome.result, 0, outcome.result.byteLength)
    else writer.addError(outcome.id, 0, 0, outcome.error)
  }
  return writer.finish()
}

/** The answers in an outcome frame as objects (results copied out); throws when it cannot be read. */
export function answersOf(frame: unknown): TaskOutcome[] {
  const read = readOutcomeFrame(frame)
  if (!read.ok) throw new TypeError(`unreadable outcome frame: ${read.message}`)
  const outcomes: TaskOutcome[] = []
  for (let i = 0; i < read.count; i++) {
    const id = read.ids[i]!
    if (read.status[i] === STATUS_OK)
      outcomes.push({ id, ok: true, result: Buffer.from(outcomeResult(read, i)), node: outcomeNode(read, i) ?? '' })
    else outcomes.push({ id, ok: false, error: outcomeError(read, i) ?? wireError('BAD_REQUEST', 'unreadable error') })
  }
  return outcomes
}

/** An outcome frame as an agent sends it (attempt and run time per task). */
export function nodeOutcomeFrameOf(outcomes: readonly NodeTaskOutcome[]): Buffer {
  const writer = new OutcomeFrameWriter()
  for (const outcome of outcomes) {
    if (outcome.ok)
      writer.addResult(outcome.id, outcome.attempt, outcome.ms, undefined, outcome.result, 0, outcome.result.byteLength)
    else writer.addError(outcome.id, outcome.attempt, outcome.ms, outcome.error)
  }
  return writer.finish()
}

/** The ids and attempts of an assignment frame (functions are not resolved); [] when it cannot be read. */
export function assignmentsOf(frame: unknown): { id: string; attempt: number }[] {
  const read = readTaskFrame(frame, new FunctionRegistry())
  if (!read.ok) return []
  return read.ids.map((id, i) => ({ id, attempt: read.attempts[i]! }))
}
