/**
 * Output messages on a child's frame pipe are written by task code as much as by the capture:
 * only well-formed chunks reach the agent's output sinks, the rest are dropped with a warning, and
 * nothing thrown while handling a message escapes the pipe's listener (it would end the agent).
 */
import type { ChildProcess } from 'node:child_process'
import { PassThrough, type Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { MAX_TASK_OUTPUT_BYTES } from '../../../protocol/limits.js'
import { taskOutputBatchSchema } from '../../../protocol/task-output.js'
import { PIPE_FRAME, PIPE_OUTCOME, PIPE_OUTPUT, readFrames, writeFrame } from '../../../node-agent/child-frames.js'
import { readChildOutput, type ChildOutputChunk } from '../../../node-agent/child-messages.js'
import { onPipeMessage, type ChildEvents } from '../../../node-agent/child-process.js'
import { ChildSlot } from '../../../node-agent/child-slot.js'
import { OutputCapture } from '../../../node-agent/output-capture.js'

const GOOD: ChildOutputChunk = { id: 't1', stream: 'stdout', text: 'hello\n' }

describe('readChildOutput', () => {
  it('keeps well-formed chunks and counts the rest', () => {
    const hostile: unknown[] = [
      null,
      undefined,
      0,
      'text',
      [],
      {},
      { id: 't1', stream: 'stdout' },
      { id: 't1', text: 'x' },
      { stream: 'stdout', text: 'x' },
      { id: 7, stream: 'stdout', text: 'x' },
      { id: 't1', stream: 'stdin', text: 'x' },
      { id: 't1', stream: 'stdout', text: 7 },
      { id: 't1', stream: 'stdout', text: { length: 1 } },
      { id: 't1', stream: 'stdout', text: ['x'] },
      // What the manager would refuse, and with it the whole batch of the node's output.
      { id: '', stream: 'stdout', text: 'x' },
      { id: 'x'.repeat(129), stream: 'stdout', text: 'x' },
      { id: 't1', stream: 'stdout', text: '' },
      { id: 't1', stream: 'stderr', text: 'x'.repeat(MAX_TASK_OUTPUT_BYTES + 10_000) },
    ]
    expect(readChildOutput([null])).toEqual({ chunks: [], dropped: 1 })
    expect(readChildOutput([{}])).toEqual({ chunks: [], dropped: 1 })
    expect(readChildOutput([...hostile, GOOD])).toEqual({ chunks: [GOOD], dropped: hostile.length })
  })

  it('refuses what is not a list', () => {
    for (const input of [null, undefined, 1, 'x', true, {}, { 0: GOOD, length: 1 }])
      expect(readChildOutput(input)).toBeUndefined()
    expect(readChildOutput([])).toEqual({ chunks: [], dropped: 0 })
  })

  it('copies a chunk’s three fields only: nothing else a task put in it travels on', () => {
    const { chunks } = readChildOutput(
      JSON.parse('[{"id":"t1","stream":"stderr","text":"x","pid":1,"node":"forged","__proto__":{"y":1}}]'),
    )!
    expect(chunks).toEqual([{ id: 't1', stream: 'stderr', text: 'x' }])
    expect(Object.keys(chunks[0]!).sort()).toEqual(['id', 'stream', 'text'])
    expect(Object.getPrototypeOf(chunks[0])).toBe(Object.prototype)
  })

  it('keeps everything the capture writes, up to its cut marker, and the manager reads it', () => {
    const sent: ChildOutputChunk[][] = []
    const capture = new OutputCapture((chunks) => sent.push(chunks))
    const write = (() => true) as typeof process.stdout.write
    const streams = { stdout: { write }, stderr: { write } }
    capture.install(streams)
    capture.begin('task-with-much-output')
    streams.stdout.write('é'.repeat(MAX_TASK_OUTPUT_BYTES))
    streams.stderr.write('more')
    capture.end()
    capture.flush()
    const honest = JSON.parse(JSON.stringify(sent.flat())) as unknown
    const read = readChildOutput(honest)!
    expect(read.dropped).toBe(0)
    expect(read.chunks).toEqual(honest)
    expect(read.chunks.at(-1)!.text).toMatch(/output cut/)
    expect(taskOutputBatchSchema.safeParse(read.chunks.map((chunk) => ({ ...chunk, pid: 1 }))).success).toBe(true)
  })
})

/** A slot holding a stand-in child, and events that record what reaches them. */
function harness(overrides: Partial<ChildEvents> = {}) {
  const slot = new ChildSlot(3)
  const kills: (NodeJS.Signals | number | undefined)[] = []
  const child = { pid: 4242, kill: (signal?: NodeJS.Signals | number) => kills.push(signal) > 0 } as ChildProcess
  const output: { pid: number; chunks: ChildOutputChunk[] }[] = []
  const outcomes: Buffer[] = []
  const warnings: string[] = []
  const events: ChildEvents = {
    outcome: (_slot, message) => outcomes.push(Buffer.from(message)),
    output: (pid, chunks) => output.push({ pid, chunks }),
    message: () => undefined,
    exit: () => undefined,
    warning: (message) => warnings.push(message),
    ...overrides,
  }
  const send = (kind: number, text: string) => onPipeMessage(slot, child, Buffer.from(text), kind, events)
  return { slot, child, events, output, outcomes, warnings, kills, send }
}

describe('onPipeMessage', () => {
  it('drops a hostile output message with a warning, and passes good chunks on', () => {
    const h = harness()
    h.send(PIPE_OUTPUT, '[null]')
    h.send(PIPE_OUTPUT, '[{}]')
    h.send(PIPE_OUTPUT, '{"id":"t1"}')
    h.send(PIPE_OUTPUT, 'not json')
    expect(h.output).toEqual([])
    expect(h.warnings).toHaveLength(4)
    expect(h.warnings[0]).toMatch(/child 3 sent 1 malformed task output chunk/)
    expect(h.warnings[2]).toMatch(/not a list/)
    expect(h.warnings[3]).toMatch(/could not be read/)

    h.send(PIPE_OUTPUT, JSON.stringify([null, GOOD, { id: 't1', stream: 'stdout', text: null }]))
    expect(h.output).toEqual([{ pid: 4242, chunks: [GOOD] }])
    expect(h.warnings.at(-1)).toMatch(/2 malformed/)
  })

  it('warns of an exception while handling a message instead of letting it escape', () => {
    const h = harness({
      outcome: () => {
        throw new TypeError('a bug in the outcome path')
      },
      output: () => {
        throw new RangeError('a bug in an output sink')
      },
    })
    expect(() => h.send(PIPE_OUTCOME, 'outcome')).not.toThrow()
    expect(() => h.send(PIPE_OUTPUT, JSON.stringify([GOOD]))).not.toThrow()
    expect(h.warnings).toHaveLength(2)
    expect(h.warnings[0]).toMatch(
      /child 3: a message from its pipe could not be handled: TypeError: a bug in the outcome path/,
    )
    expect(h.warnings[1]).toMatch(/RangeError: a bug in an output sink/)
  })

  it('stops a child that sends a message of a kind no child sends (a task frame goes down, never up)', () => {
    const h = harness()
    h.send(PIPE_FRAME, 'frame')
    h.send(99, 'what')
    expect(h.outcomes).toEqual([])
    expect(h.warnings).toEqual([
      'child 3 sent a message of unknown kind 1 on its pipe; it is stopped',
      'child 3 sent a message of unknown kind 99 on its pipe; it is stopped',
    ])
    expect(h.kills).toEqual(['SIGKILL', 'SIGKILL'])
  })

  it('keeps the pipe read after a message that throws: the next message in the same chunk still arrives', () => {
    const h = harness({
      outcome: (_slot, message) => {
        if (message.toString() === 'boom') throw new Error('a bug')
        h.outcomes.push(Buffer.from(message))
      },
    })
    const pipe = new PassThrough()
    readFrames(pipe, (frame, kind) => onPipeMessage(h.slot, h.child, frame, kind, h.events))
    const parts: Buffer[] = []
    const collect = { write: (part: Uint8Array) => parts.push(Buffer.from(part)) } as unknown as Writable
    writeFrame(collect, Buffer.from('[null]'), PIPE_OUTPUT)
    writeFrame(collect, Buffer.from('boom'), PIPE_OUTCOME)
    writeFrame(collect, Buffer.from('after'), PIPE_OUTCOME)
    writeFrame(collect, Buffer.from(JSON.stringify([GOOD])), PIPE_OUTPUT)
    // All four in one chunk, delivered as the pipe delivers it: a throw would come out of emit.
    expect(() => pipe.emit('data', Buffer.concat(parts))).not.toThrow()
    expect(h.outcomes.map(String)).toEqual(['after'])
    expect(h.output).toEqual([{ pid: 4242, chunks: [GOOD] }])
    expect(h.warnings).toHaveLength(2)
  })
})
