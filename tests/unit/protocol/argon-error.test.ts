import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as client from '../../../client/index.js'
import {
  ArgonError,
  ERROR_CODES,
  EXIT_CODES,
  MAX_ERROR_MESSAGE_CHARS,
  TaskError,
  exitCodeOf,
  restoreError,
  serializeError,
  wireError,
  wireErrorSchema,
  type ErrorCode,
  type WireError,
} from '../../../protocol/index.js'

const RESERVED = new Set(['remoteName', 'remoteStack', 'remoteCode', 'thrown', '__proto__'])

/** What crosses a socket: JSON text, checked against the schema on arrival. */
function acrossTheWire(wire: WireError): WireError {
  return wireErrorSchema.parse(JSON.parse(JSON.stringify(wire)))
}

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

const code = fc.constantFrom(...ERROR_CODES.filter((c) => c !== 'TASK_FAILED'))
const text = fc.string({ unit: 'grapheme', maxLength: 300 })
const data = fc.option(
  fc.dictionary(
    fc.string().filter((key) => !RESERVED.has(key)),
    fc.jsonValue(),
    { minKeys: 1 },
  ),
  {
    nil: undefined,
  },
)
const stack = fc.array(text, { maxLength: 6 }).map((lines) => lines.join('\n    at '))

const argonError = fc
  .record({
    code,
    message: text,
    retryable: fc.option(fc.boolean(), { nil: undefined }),
    node: fc.option(text, { nil: undefined }),
    data,
    remote: fc.option(fc.record({ remoteName: text, remoteStack: stack }), { nil: undefined }),
  })
  .map(({ code, message, retryable, node, data, remote }) => {
    return new ArgonError(code, message, { retryable, node, data, ...remote })
  })

const taskError = fc
  .record({
    message: text,
    remoteName: text,
    remoteStack: stack,
    remoteCode: fc.option(text, { nil: undefined }),
    node: fc.option(text, { nil: undefined }),
    thrown: fc.option(fc.jsonValue(), { nil: undefined }),
    data,
  })
  .map(({ message, ...options }) => new TaskError(message, options))

function expectSameError(back: ArgonError, original: ArgonError): void {
  expect(back.constructor).toBe(original.constructor)
  expect(back.name).toBe(original.name)
  expect(back.code).toBe(original.code)
  expect(back.message).toBe(original.message)
  expect(back.retryable).toBe(original.retryable)
  expect(back.node).toBe(original.node)
  expect(back.data).toEqual(original.data === undefined ? undefined : json(original.data))
  expect(back.remoteName).toBe(original.remoteName)
  expect(back.remoteStack).toBe(original.remoteStack)
  if (original instanceof TaskError) {
    expect(back).toBeInstanceOf(TaskError)
    expect((back as TaskError).remoteCode).toBe(original.remoteCode)
    expect((back as TaskError).thrown).toEqual(original.thrown === undefined ? undefined : json(original.thrown))
  }
}

describe('one error model: serializeError / restoreError', () => {
  it('round-trips any ArgonError or TaskError through JSON and the wire schema', () => {
    fc.assert(
      fc.property(fc.oneof(argonError, taskError), (original) => {
        const wire = serializeError(original)
        const back = restoreError(acrossTheWire(wire))
        expectSameError(back, original)
        // Restoring and flattening again changes nothing: an error can be passed on.
        expect(serializeError(back)).toEqual(acrossTheWire(wire))
      }),
      { numRuns: 300 },
    )
  })

  it('rebuilds a TaskError with its remote name, stack, code and node', () => {
    const original = new TaskError('boom', {
      remoteName: 'RangeError',
      remoteStack: 'RangeError: boom\n    at x',
      remoteCode: 'E_RANGE',
      node: 'gpu-1',
    })
    const back = restoreError(acrossTheWire(serializeError(original)))
    expect(back).toBeInstanceOf(TaskError)
    expect(back).toMatchObject({ code: 'TASK_FAILED', message: 'boom', remoteName: 'RangeError', node: 'gpu-1' })
    expect(back).toMatchObject({ remoteCode: 'E_RANGE', retryable: false, remoteStack: 'RangeError: boom\n    at x' })
  })

  it('builds the same wire form as wireError does for a reply coded on the spot', () => {
    for (const c of ERROR_CODES) {
      expect(wireError(c, 'm', { node: 'n', data: { a: 1 } })).toEqual(
        serializeError(new ArgonError(c, 'm', { node: 'n', data: { a: 1 } })),
      )
    }
  })

  it('derives retryable from the code unless told', () => {
    for (const c of ERROR_CODES) {
      const back = restoreError(acrossTheWire(serializeError(new ArgonError(c, 'x'))))
      expect(back.retryable).toBe(['QUEUE_FULL', 'WORKER_LOST', 'CONNECTION_FAILED', 'SHUTTING_DOWN'].includes(c))
    }
  })

  it('cuts what is too long for the wire, with a marker, so the error still crosses', () => {
    const huge = 'x'.repeat(MAX_ERROR_MESSAGE_CHARS * 2)
    const wire = serializeError(
      new TaskError(huge, { remoteName: huge, remoteStack: huge, remoteCode: huge, thrown: { huge } }),
    )
    const back = restoreError(acrossTheWire(wire)) as TaskError
    expect(back.message).toMatch(/… \[\d+ more characters cut\]$/)
    expect(back.remoteStack.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS)
    expect(back.remoteName.length).toBeLessThanOrEqual(200)
    // A thrown value too long to keep arrives as its (cut) text.
    expect(typeof back.thrown).toBe('string')
  })

  it('codes anything else that was thrown with the fallback, keeping its name and message', () => {
    expect(serializeError(new TypeError('no such thing'), 'BAD_REQUEST')).toEqual({
      name: 'TypeError',
      code: 'BAD_REQUEST',
      message: 'no such thing',
      retryable: false,
    })
    expect(serializeError(42)).toMatchObject({ code: 'BAD_REQUEST', message: '42' })
    expect(serializeError(new Error('plain'), 'TASK_FAILED')).toMatchObject({ name: 'ArgonError', message: 'plain' })
  })

  it('keeps what a task threw that JSON cannot hold as its text', () => {
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    for (const [thrown, seen] of [
      // A BigInt travels as its digits, and reads back as the number they spell.
      [10n, 10],
      [cycle, '[object Object]'],
      ['plain', 'plain'],
      [null, null],
    ] as const) {
      const back = restoreError(
        acrossTheWire(serializeError(new TaskError('t', { remoteName: 'x', remoteStack: '', thrown }))),
      )
      expect((back as TaskError).thrown).toEqual(seen)
    }
  })

  it('is the error class the client library exports', () => {
    expect(client.ArgonError).toBe(ArgonError)
    expect(client.TaskError).toBe(TaskError)
  })
})

describe('exit codes', () => {
  it('come from one table with an entry for every code', () => {
    expect(Object.keys(EXIT_CODES).sort()).toEqual([...ERROR_CODES].sort())
    const expected: Partial<Record<ErrorCode, number>> = { NOT_FOUND: 3, UNAUTHORIZED: 4, TLS_MISMATCH: 4 }
    for (const c of ERROR_CODES) expect(exitCodeOf(new ArgonError(c, 'x'))).toBe(expected[c] ?? EXIT_CODES[c])
    expect(exitCodeOf(new Error('not coded'))).toBe(1)
  })
})
