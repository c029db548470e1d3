/**
 * The worker child program on its own (dist/node-agent/child-entry.js), driven over its pipe as an
 * agent drives it: what it answers, and in which order.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { PIPE_OUTCOME, readFrames, writeFrame } from '../../node-agent/child-frames.js'
import { readOutcomeMessage } from '../../node-agent/child-outcome-message.js'
import { FunctionTable, functionEntry } from '../../protocol/function-table.js'
import { PRIORITY_CODE } from '../../protocol/frame-layout.js'
import { TaskFrameWriter } from '../../protocol/frame-writers.js'
import { MAX_HELD_FUNCTION_CHARS, MAX_FUNCTION_SOURCE_CHARS } from '../../protocol/limits.js'
import { encodeValue } from '../../protocol/structured-bytes.js'
import { ROOT } from '../helpers/processes.js'

const children: ChildProcess[] = []
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    }
  }
})

/** A child as an agent starts it, with every answer it sends (id and error code, or 'ok'), in order. */
async function startChild(): Promise<{ pipe: Duplex; answers: string[]; answered: (count: number) => Promise<void> }> {
  const child = fork(join(ROOT, 'dist/node-agent/child-entry.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
  })
  children.push(child)
  const pipe = child.stdio[4] as Duplex
  const answers: string[] = []
  const waiters: (() => void)[] = []
  readFrames(pipe, (frame, kind) => {
    if (kind !== PIPE_OUTCOME) return
    const outcome = readOutcomeMessage(frame)
    if (typeof outcome === 'string') throw new Error(`unreadable outcome: ${outcome}`)
    const payload = outcome.bytes.subarray(outcome.start, outcome.end)
    const code = outcome.status === 0 ? 'ok' : (JSON.parse(payload.toString()) as { code: string }).code
    answers.push(`${outcome.id} ${code}`)
    for (const wake of waiters.splice(0)) wake()
  })
  await new Promise<void>((resolve) => child.once('message', () => resolve()))
  const answered = (count: number): Promise<void> =>
    answers.length >= count
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiters.push(() => void answered(count).then(resolve)))
  return { pipe, answers, answered }
}

function taskFrame(table: FunctionTable, source: string, ids: string[]): Buffer {
  const writer = new TaskFrameWriter(table)
  const fn = functionEntry({ kind: 'source', source })
  const args = encodeValue([])
  for (const id of ids) writer.add(id, fn, 1, 0, PRIORITY_CODE.normal, args, 0, args.length)
  return writer.finish()
}

describe('the worker child', () => {
  it('answers the ids of a frame it cannot read in line, after the task it is running', async () => {
    const { pipe, answers, answered } = await startChild()
    const table = new FunctionTable()
    // The task's own timer keeps it running while the unreadable frame arrives.
    writeFrame(pipe, taskFrame(table, '() => new Promise((resolve) => setTimeout(() => resolve(1), 300))', ['slow']))
    // A frame one byte longer than its sections add up to: unreadable, its ids readable.
    const broken = taskFrame(table, '() => 2', ['x1', 'x2'])
    writeFrame(pipe, Buffer.concat([broken, Buffer.from([0])]))
    await answered(3)
    // The agent settles answers in the order it sent the tasks: one ahead of 'slow' would be dropped.
    expect(answers).toEqual(['slow ok', 'x1 BAD_REQUEST', 'x2 BAD_REQUEST'])
  })

  it('takes a frame that defines more function source than a network link may hold', async () => {
    // An agent gives a child up to hundreds of fast tasks in one frame; when their functions are
    // new and large, its definitions alone pass the bound that counts on a network frame's size.
    const { pipe, answers, answered } = await startChild()
    const table = new FunctionTable()
    const writer = new TaskFrameWriter(table)
    const args = encodeValue([])
    const count = Math.ceil(MAX_HELD_FUNCTION_CHARS / MAX_FUNCTION_SOURCE_CHARS) + 2
    for (let i = 0; i < count; i++) {
      const head = `() => ${i} /*`
      const source = head + 'a'.repeat(MAX_FUNCTION_SOURCE_CHARS - head.length - 2) + '*/'
      writer.add(`b${i}`, functionEntry({ kind: 'source', source }), 1, 0, PRIORITY_CODE.normal, args, 0, args.length)
    }
    writeFrame(pipe, writer.finish())
    await answered(count)
    expect(answers.filter((answer) => answer.endsWith(' ok'))).toHaveLength(count)
  }, 60_000)
})
