import { PassThrough } from 'node:stream'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PIPE_HEADROOM, PIPE_OUTCOME, readFrames } from '../../../node-agent/child-frames.js'
import { outcomeMessages, readOutcomeMessage, type ChildOutcome } from '../../../node-agent/child-outcome-message.js'
import { settleOutcomeMessage } from '../../../node-agent/child-outcomes.js'
import { ChildSlot } from '../../../node-agent/child-slot.js'
import type { PoolOutcome } from '../../../node-agent/pool-task.js'
import { FunctionRunTimes } from '../../../manager/scheduling/estimates.js'
import { STATUS_ERROR, STATUS_OK } from '../../../protocol/frame-layout.js'
import { functionEntry } from '../../../protocol/function-table.js'
import { encodeValue } from '../../../protocol/structured-bytes.js'
import { wireError } from '../../../protocol/wire-error.js'

const taskId = fc.stringMatching(/^[\x21-\x7e]{1,128}$/)
const outcome: fc.Arbitrary<ChildOutcome> = fc.oneof(
  fc.record({
    id: taskId,
    ok: fc.constant(true as const),
    result: fc.uint8Array({ maxLength: 200 }),
    ms: fc.double({ min: 0, max: 1e9, noNaN: true }),
  }),
  fc.record({
    id: taskId,
    ok: fc.constant(false as const),
    error: fc.string({ maxLength: 50 }).map((message) => wireError('TASK_FAILED', message)),
    ms: fc.double({ min: 0, max: 1e9, noNaN: true }),
  }),
)

/** The messages of `buffer` as a child's agent reads its pipe: kind and body of each. */
function readBack(buffer: Buffer): { kind: number; body: Buffer }[] {
  const pipe = new PassThrough()
  const got: { kind: number; body: Buffer }[] = []
  readFrames(pipe, (body, kind) => got.push({ kind, body }))
  pipe.write(buffer)
  return got
}

/** One outcome's message body, without its pipe header. */
function body(each: ChildOutcome): Buffer {
  return outcomeMessages([each]).subarray(PIPE_HEADROOM)
}

describe('outcome messages', () => {
  it('read back as written: id, status, run time and payload, one message per outcome', () => {
    fc.assert(
      fc.property(fc.array(outcome, { minLength: 1, maxLength: 8 }), (outcomes) => {
        const got = readBack(outcomeMessages(outcomes))
        expect(got.map(({ kind }) => kind)).toEqual(outcomes.map(() => PIPE_OUTCOME))
        got.forEach(({ body }, i) => {
          const sent = outcomes[i]!
          const read = readOutcomeMessage(body)
          if (typeof read === 'string') throw new Error(read)
          expect(read.id).toBe(sent.id)
          expect(read.ms).toBe(sent.ms)
          expect(read.status).toBe(sent.ok ? STATUS_OK : STATUS_ERROR)
          const payload = read.bytes.subarray(read.start, read.end)
          if (sent.ok) expect([...payload]).toEqual([...sent.result])
          else expect(JSON.parse(payload.toString())).toEqual(sent.error)
        })
      }),
    )
  })

  it('refuses to carry an id longer than a frame may (a child answers only the ids it was sent)', () => {
    expect(() => outcomeMessages([{ id: 'x'.repeat(129), ok: true, result: encodeValue(1), ms: 0 }])).toThrow(
      /task id of 129 characters/,
    )
  })

  it('names what is wrong with a malformed message', () => {
    const good = body({ id: 't1', ok: true, result: encodeValue(1), ms: 2 })
    const edit = (at: number, write: (bytes: Buffer) => void) => {
      const copy = Buffer.from(good)
      write(copy)
      return readOutcomeMessage(copy.subarray(0, at))
    }
    expect(readOutcomeMessage(good.subarray(0, 10))).toBe('an outcome message has at least 11 bytes; got 10')
    expect(edit(good.length, (b) => (b[0] = 7))).toBe('bad outcome status 7')
    for (const ms of [Number.NaN, Number.POSITIVE_INFINITY, -1])
      expect(edit(good.length, (b) => b.writeDoubleLE(ms, 1))).toBe('bad run time')
    expect(edit(good.length, (b) => (b[9] = 0))).toMatch(/bad task id length 0/)
    expect(edit(good.length, (b) => (b[9] = 129))).toMatch(/bad task id length 129/)
    // An id said to run past the end of the message.
    expect(edit(11, () => undefined)).toMatch(/bad task id length 2 in a 11-byte message/)
  })

  it('reads any bytes without throwing, and a readable one stays within its message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const read = readOutcomeMessage(Buffer.from(bytes))
        if (typeof read === 'string') return
        expect(read.start).toBeLessThanOrEqual(read.end)
        expect(read.end).toBe(bytes.length)
        expect(Number.isFinite(read.ms) && read.ms >= 0).toBe(true)
      }),
    )
  })
})

describe('settleOutcomeMessage', () => {
  const fn = functionEntry({ kind: 'source', source: '(a) => a' })
  const args = encodeValue([1])

  function setup(ids: string[]) {
    const slot = new ChildSlot(2)
    for (const id of ids) slot.hold({ id, attempt: 3, fn, timeout: 0, bytes: args, start: 0, end: args.length }, 1)
    const reported: PoolOutcome[] = []
    const warnings: string[] = []
    const runTimes = new FunctionRunTimes()
    const settle = (each: ChildOutcome) =>
      settleOutcomeMessage(
        slot,
        body(each),
        runTimes,
        (o) => reported.push(o),
        (w) => warnings.push(w),
      )
    return { slot, reported, warnings, runTimes, settle }
  }

  it('answers the task held first with its result bytes, its attempt and its run time', () => {
    const { slot, reported, runTimes, settle } = setup(['a', 'b'])
    settle({ id: 'a', ok: true, result: encodeValue(42), ms: 4 })
    expect(reported).toHaveLength(1)
    const [answer] = reported
    expect(answer).toMatchObject({ id: 'a', attempt: 3, ok: true, ms: 4 })
    if (answer?.ok !== true) throw new Error('expected a result')
    expect([...answer.bytes.subarray(answer.start, answer.end)]).toEqual([...encodeValue(42)])
    expect(slot.held.map((task) => task.id)).toEqual(['b'])
    expect(runTimes.size).toBe(1)
  })

  it("answers with the task's error, or TASK_FAILED when its error cannot be read", () => {
    const { reported, settle, slot, runTimes } = setup(['a', 'b'])
    settle({ id: 'a', ok: false, error: wireError('TASK_FAILED', 'boom'), ms: 1 })
    const bogus = body({ id: 'b', ok: true, result: Buffer.from('{"code":12}'), ms: 1 })
    bogus[0] = STATUS_ERROR
    settleOutcomeMessage(
      slot,
      bogus,
      runTimes,
      (o) => reported.push(o),
      () => undefined,
    )
    expect(reported.map((o) => (o.ok ? 'ok' : `${o.error.code}: ${o.error.message}`))).toEqual([
      'TASK_FAILED: boom',
      'TASK_FAILED: task b failed with an error that could not be read',
    ])
  })

  it('refuses an answer out of order or unreadable (the caller stops the child), and keeps holding the task', () => {
    const { slot, reported, warnings, settle } = setup(['a', 'b'])
    expect(settle({ id: 'b', ok: true, result: encodeValue(1), ms: 1 })).toBe(false)
    const unreadable = body({ id: 'a', ok: true, result: encodeValue(1), ms: 1 })
    unreadable[0] = 9
    const taken = settleOutcomeMessage(
      slot,
      unreadable,
      new FunctionRunTimes(),
      () => undefined,
      (w) => warnings.push(w),
    )
    expect(taken).toBe(false)
    expect(reported).toEqual([])
    expect(warnings).toEqual([
      'child 2 answered "b" out of order; it is stopped',
      'child 2 sent an unreadable outcome (bad outcome status 9); it is stopped',
    ])
    expect(slot.held.map((task) => task.id)).toEqual(['a', 'b'])
    expect(settle({ id: 'a', ok: true, result: encodeValue(1), ms: 1 })).toBe(true)
  })

  it('drops the late result of a task answered already, and still frees its place', () => {
    const { slot, reported, settle } = setup(['a', 'b'])
    slot.answered.add('a')
    settle({ id: 'a', ok: true, result: encodeValue(1), ms: 1 })
    expect(reported).toEqual([])
    expect(slot.answered.has('a')).toBe(false)
    expect(slot.held.map((task) => task.id)).toEqual(['b'])
  })
})
