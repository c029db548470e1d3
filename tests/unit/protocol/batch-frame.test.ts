import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  FunctionCatalog,
  FunctionRegistry,
  FunctionTable,
  OutcomeFrameWriter,
  PRIORITY_CODE,
  STATUS_ERROR,
  STATUS_OK,
  TaskFrameWriter,
  functionEntry,
  outcomeError,
  outcomeNode,
  outcomeResult,
  readOutcomeFrame,
  readTaskFrame,
  taskProblem,
  wireError,
  type FunctionEntry,
  type TaskFrame,
  type UnreadableFrame,
} from '../../../protocol/index.js'

const add = functionEntry({ kind: 'source', source: '(a, b) => a + b' })
const fib = functionEntry({ kind: 'module', module: '/tasks.mjs', export: 'fib' })
const bytes = (...values: number[]) => Buffer.from(values)

function writeTasks(
  table: FunctionTable,
  tasks: { id: string; fn?: FunctionEntry; args: Buffer; attempt?: number; timeout?: number; priority?: number }[],
): Buffer {
  const writer = new TaskFrameWriter(table)
  for (const task of tasks)
    writer.add(
      task.id,
      task.fn ?? add,
      task.attempt ?? 0,
      task.timeout ?? 0,
      task.priority ?? PRIORITY_CODE.normal,
      task.args,
      0,
      task.args.length,
    )
  return writer.finish()
}

function readable(result: TaskFrame | UnreadableFrame): TaskFrame {
  if (!result.ok) throw new Error(`unreadable: ${result.message}`)
  return result
}

function unreadable(result: { ok: boolean }): UnreadableFrame {
  expect(result.ok).toBe(false)
  return result as UnreadableFrame
}

const argsOf = (frame: TaskFrame, i: number) => [...frame.bytes.subarray(frame.offsets[i], frame.offsets[i + 1])]

describe('task frames', () => {
  it('round-trip ids, functions, options and payloads', () => {
    const registry = new FunctionRegistry()
    const frame = readable(
      readTaskFrame(
        writeTasks(new FunctionTable(), [
          { id: 'c1-1', args: bytes(1, 2, 3), timeout: 500, priority: PRIORITY_CODE.high, attempt: 2 },
          { id: 'c1-2', fn: fib, args: bytes() },
          { id: 'c1-3', args: bytes(9) },
        ]),
        registry,
      ),
    )
    expect(frame.count).toBe(3)
    expect(frame.ids).toEqual(['c1-1', 'c1-2', 'c1-3'])
    expect(registry.get(frame.fns[0]!)!.fn).toEqual(add.fn)
    expect(registry.get(frame.fns[1]!)!.fn).toEqual(fib.fn)
    expect(frame.fns[2]).toBe(frame.fns[0])
    expect([...frame.attempts]).toEqual([2, 0, 0])
    expect([...frame.timeouts]).toEqual([500, 0, 0])
    expect([...frame.priorities]).toEqual([0, 1, 1])
    expect([argsOf(frame, 0), argsOf(frame, 1), argsOf(frame, 2)]).toEqual([[1, 2, 3], [], [9]])
    for (let i = 0; i < 3; i++) expect(taskProblem(frame, i, registry, 1024)).toBeUndefined()
  })

  it('sends a function once per link, and again after the link starts over', () => {
    const table = new FunctionTable()
    const first = writeTasks(table, [{ id: 'a', args: bytes(1) }])
    const second = writeTasks(table, [{ id: 'b', args: bytes(1) }])
    expect(second.length).toBeLessThan(first.length - add.fn.kind.length)
    expect(first.includes(Buffer.from('(a, b) => a + b'))).toBe(true)
    expect(second.includes(Buffer.from('(a, b) => a + b'))).toBe(false)
    table.clear()
    expect(writeTasks(table, [{ id: 'c', args: bytes(1) }]).includes(Buffer.from('(a, b) => a + b'))).toBe(true)
  })

  it('reports a function-table miss per task after a reconnect (fresh registry, old ids)', () => {
    const table = new FunctionTable()
    const registry = new FunctionRegistry()
    readable(readTaskFrame(writeTasks(table, [{ id: 'a', args: bytes(1) }]), registry))
    // The receiver's side of the link started over (a new connection); the sender's did not.
    const fresh = new FunctionRegistry()
    const frame = readable(readTaskFrame(writeTasks(table, [{ id: 'b', args: bytes(1) }]), fresh))
    expect(taskProblem(frame, 0, fresh, 1024)).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('unknown function id') as string,
    })
    // Once both sides start over, the definition travels again and the task is fine.
    table.clear()
    const again = readable(readTaskFrame(writeTasks(table, [{ id: 'c', args: bytes(1) }]), fresh))
    expect(taskProblem(again, 0, fresh, 1024)).toBeUndefined()
  })

  it('starts the table over when it is full, and the receiver follows', () => {
    const table = new FunctionTable(2)
    const registry = new FunctionRegistry()
    const fns = [0, 1, 2, 3].map((n) => functionEntry({ kind: 'source', source: `() => ${n}` }))
    for (const [i, fn] of fns.entries()) {
      const frame = readable(readTaskFrame(writeTasks(table, [{ id: `t${i}`, fn, args: bytes(1) }]), registry))
      expect(registry.get(frame.fns[0]!)!.fn).toEqual(fn.fn)
      expect(registry.size).toBeLessThanOrEqual(2)
    }
  })

  it('leaves the registry as it was when a frame would take it past its bound', () => {
    // A sender that ignores the table's bound: every task of a frame defines a new function.
    const table = new FunctionTable(100_000)
    const registry = new FunctionRegistry(undefined, 0)
    const tasks = (from: number) =>
      Array.from({ length: 6000 }, (_, i) => ({
        id: `t${from + i}`,
        fn: functionEntry({ kind: 'source', source: `() => ${from + i}` }),
        args: bytes(1),
      }))
    readable(readTaskFrame(writeTasks(table, tasks(0)), registry))
    expect(registry.size).toBe(6000)
    const over = unreadable(readTaskFrame(writeTasks(table, tasks(6000)), registry))
    expect(over.message).toMatch(/too many functions/)
    // Nothing of the refused frame was defined: the earlier functions are still there, no new one is.
    expect(registry.size).toBe(6000)
    expect(registry.generation).toBe(0)
  })

  it('interns functions so that tasks of one function share an entry', () => {
    const catalog = new FunctionCatalog()
    const a = new FunctionRegistry(catalog)
    const b = new FunctionRegistry(catalog)
    const fa = readable(readTaskFrame(writeTasks(new FunctionTable(), [{ id: 'x', args: bytes(1) }]), a))
    const fb = readable(readTaskFrame(writeTasks(new FunctionTable(), [{ id: 'y', args: bytes(1) }]), b))
    expect(a.get(fa.fns[0]!)).toBe(b.get(fb.fns[0]!))
  })

  it('flags per-task problems without making the frame unreadable', () => {
    const registry = new FunctionRegistry()
    const frame = readable(
      readTaskFrame(
        writeTasks(new FunctionTable(), [
          { id: 'ok', args: bytes(1) },
          { id: 'big', args: Buffer.alloc(100) },
          { id: 'prio', args: bytes(1), priority: 7 },
          { id: 'slow', args: bytes(1), timeout: 2 ** 31 },
        ]),
        registry,
      ),
    )
    expect(taskProblem(frame, 0, registry, 50)).toBeUndefined()
    expect(taskProblem(frame, 1, registry, 50)?.code).toBe('PAYLOAD_TOO_LARGE')
    expect(taskProblem(frame, 2, registry, 50)?.code).toBe('BAD_REQUEST')
    expect(taskProblem(frame, 3, registry, 50)?.code).toBe('BAD_REQUEST')
  })

  it('merges payload ranges that are adjacent in memory (tasks of one frame forwarded together)', () => {
    const source = readable(
      readTaskFrame(
        writeTasks(new FunctionTable(), [
          { id: 'a', args: bytes(1, 2) },
          { id: 'b', args: bytes(3) },
          { id: 'c', args: bytes(4, 5, 6) },
        ]),
        new FunctionRegistry(),
      ),
    )
    const writer = new TaskFrameWriter(new FunctionTable())
    for (const i of [0, 1, 2])
      writer.add(source.ids[i]!, add, 1, 0, 1, source.bytes, source.offsets[i]!, source.offsets[i + 1]!)
    const forwarded = readable(readTaskFrame(writer.finish(), new FunctionRegistry()))
    expect([argsOf(forwarded, 0), argsOf(forwarded, 1), argsOf(forwarded, 2)]).toEqual([[1, 2], [3], [4, 5, 6]])
    expect([...forwarded.attempts]).toEqual([1, 1, 1])
  })

  it('refuses ids that cannot travel', () => {
    const writer = new TaskFrameWriter(new FunctionTable())
    writer.add('has space', add, 0, 0, 1, bytes(1), 0, 1)
    expect(() => writer.finish()).toThrow(TypeError)
  })
})

describe('malformed task frames', () => {
  const good = () =>
    writeTasks(new FunctionTable(), [
      { id: 'one', args: bytes(1, 2) },
      { id: 'two', args: bytes(3) },
    ])
  // Header offsets (see protocol/frame-layout.ts).
  const COUNT = 8
  const PAYLOAD_BYTES = 24

  function read(frame: unknown, registry = new FunctionRegistry()) {
    return readTaskFrame(frame, registry)
  }

  it('refuses what is not a frame at all, with no ids to answer', () => {
    for (const input of ['garbage', 42, null, [], { id: 'x' }, Buffer.alloc(0), Buffer.alloc(31), Buffer.alloc(64)]) {
      const result = unreadable(read(input))
      expect(result.ids).toEqual([])
    }
  })

  it('refuses an outcome frame where tasks are expected', () => {
    const writer = new OutcomeFrameWriter()
    writer.addResult('one', 1, 0, undefined, bytes(1), 0, 1)
    expect(unreadable(read(writer.finish())).message).toMatch(/kind/)
  })

  it('refuses a count out of range or disagreeing with the ids, answering each readable id', () => {
    for (const count of [3, 1, 10_001]) {
      const frame = good()
      frame.writeUInt32LE(count, COUNT)
      expect(unreadable(read(frame)).ids).toEqual(['one', 'two'])
    }
    // The ids are split into at most count + 1 pieces: a count of 0 leaves one id to answer.
    const none = good()
    none.writeUInt32LE(0, COUNT)
    expect(unreadable(read(none)).ids).toEqual(['one'])
  })

  it('refuses section lengths that do not add up to the frame', () => {
    const long = Buffer.concat([good(), bytes(0)])
    expect(unreadable(read(long)).message).toMatch(/lengths/)
    const short = good().subarray(0, good().length - 1)
    expect(unreadable(read(short)).ids).toEqual(['one', 'two'])
    const lying = good()
    lying.writeUInt32LE(lying.readUInt32LE(PAYLOAD_BYTES) + 1, PAYLOAD_BYTES)
    expect(unreadable(read(lying)).ids).toEqual(['one', 'two'])
  })

  it('refuses offsets out of bounds or decreasing', () => {
    const frame = good()
    const offsetsAt = frame.length - 3 - 12
    // [0, 2, 3] → [0, 4, 3]: the first task would run past the second's start.
    frame.writeUInt32LE(4, offsetsAt + 4)
    expect(unreadable(read(frame)).ids).toEqual(['one', 'two'])
    const end = good()
    end.writeUInt32LE(9, offsetsAt + 8)
    expect(unreadable(read(end)).message).toMatch(/offsets/)
    const start = good()
    start.writeUInt32LE(1, offsetsAt)
    expect(unreadable(read(start)).message).toMatch(/offsets/)
  })

  it('refuses ill-formed ids and still answers the well-formed ones', () => {
    const frame = good()
    const idsAt = 32 + frame.readUInt32LE(12)
    frame[idsAt + 4] = 0x20 // 'two' → ' wo'
    expect(unreadable(read(frame)).ids).toEqual(['one'])
    const empty = good()
    empty[idsAt + 2] = 0x0a // 'one\ntwo' → 'on\n\ntwo': an empty id, and three ids for two tasks
    expect(unreadable(read(empty)).ids).toEqual(['on', 'two'])
    const longId = writeTasks(new FunctionTable(), [{ id: 'x'.repeat(128), args: bytes(1) }])
    expect(read(longId).ok).toBe(true)
  })

  it('refuses bad function definitions and leaves the registry untouched', () => {
    const registry = new FunctionRegistry()
    const frame = good()
    const defsAt = 32
    frame[defsAt] = 0x7b // '[' → '{'
    expect(unreadable(read(frame, registry)).ids).toEqual(['one', 'two'])
    expect(registry.size).toBe(0)
    // A definition that is JSON but not a function.
    const table = new FunctionTable()
    const bad = writeTasks(table, [{ id: 'one', fn: functionEntry({ kind: 'source', source: 'x' }), args: bytes(1) }])
    const text = bad.toString('latin1').replace('"kind":"source"', '"kind":"shell!"')
    expect(unreadable(read(Buffer.from(text, 'latin1'), registry)).ids).toEqual(['one'])
    expect(registry.size).toBe(0)
  })

  it('refuses a bad magic number', () => {
    const frame = good()
    frame[0] = 0
    expect(unreadable(read(frame)).message).toMatch(/magic/)
  })

  it('never throws on random bytes or random corruption', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (noise) => {
        expect(read(Buffer.from(noise)).ok).toBe(false)
      }),
    )
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 255 }), (position, value) => {
        const frame = good()
        frame[position % frame.length] = value
        const result = read(frame)
        if (result.ok) {
          for (let i = 0; i < result.count; i++) {
            expect(result.offsets[i]!).toBeLessThanOrEqual(result.offsets[i + 1]!)
            expect(result.offsets[i + 1]!).toBeLessThanOrEqual(frame.length)
          }
        }
      }),
    )
  })
})

const taskArbitrary = fc.record({
  id: fc.stringMatching(/^[\x21-\x7e]{1,128}$/),
  fn: fc.constantFrom(add, fib, functionEntry({ kind: 'source', source: '() => "é ✓"' })),
  attempt: fc.nat({ max: 1000 }),
  timeout: fc.nat({ max: 2 ** 31 - 1 }),
  priority: fc.constantFrom(0, 1, 2),
  args: fc.uint8Array({ maxLength: 64 }),
})

describe('properties over random batches', () => {
  it('task frames read back exactly what was written, over a link of several frames', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(taskArbitrary, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 4 }),
        (frames) => {
          const table = new FunctionTable()
          const registry = new FunctionRegistry()
          for (const tasks of frames) {
            const frame = readable(
              readTaskFrame(
                writeTasks(
                  table,
                  tasks.map((task) => ({ ...task, args: Buffer.from(task.args) })),
                ),
                registry,
              ),
            )
            expect(frame.ids).toEqual(tasks.map((task) => task.id))
            tasks.forEach((task, i) => {
              expect(registry.get(frame.fns[i]!)!.fn).toEqual(task.fn.fn)
              expect(frame.attempts[i]).toBe(task.attempt)
              expect(frame.timeouts[i]).toBe(task.timeout)
              expect(frame.priorities[i]).toBe(task.priority)
              expect(argsOf(frame, i)).toEqual([...task.args])
              expect(taskProblem(frame, i, registry, 64)).toBeUndefined()
            })
          }
        },
      ),
    )
  })

  it('outcome frames read back exactly what was written', () => {
    const outcome = fc.record({
      id: fc.stringMatching(/^[\x21-\x7e]{1,128}$/),
      attempt: fc.nat({ max: 1000 }),
      ms: fc.double({ min: 0, max: 1e6, noNaN: true }),
      node: fc.option(fc.constantFrom('alpha', 'beta', 'γ-node'), { nil: undefined }),
      result: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
      message: fc.string({ maxLength: 40 }),
    })
    fc.assert(
      fc.property(fc.array(outcome, { minLength: 1, maxLength: 40 }), (outcomes) => {
        const writer = new OutcomeFrameWriter()
        for (const o of outcomes) {
          if (o.result) writer.addResult(o.id, o.attempt, o.ms, o.node, Buffer.from(o.result), 0, o.result.length)
          else writer.addError(o.id, o.attempt, o.ms, wireError('TASK_FAILED', o.message))
        }
        const read = readOutcomeFrame(writer.finish())
        if (!read.ok) throw new Error(read.message)
        outcomes.forEach((o, i) => {
          expect(read.ids[i]).toBe(o.id)
          expect(read.attempts[i]).toBe(o.attempt)
          expect(read.ms[i]).toBe(o.ms)
          if (o.result) {
            expect(read.status[i]).toBe(STATUS_OK)
            expect(outcomeNode(read, i)).toBe(o.node)
            expect([...outcomeResult(read, i)]).toEqual([...o.result])
          } else {
            expect(read.status[i]).toBe(STATUS_ERROR)
            expect(outcomeError(read, i)).toMatchObject({ code: 'TASK_FAILED', message: o.message })
          }
        })
      }),
    )
  })
})

describe('writers reused frame after frame', () => {
  it('outcome frames of one writer read back exactly, whatever nodes each frame names', () => {
    const outcome = fc.record({
      id: fc.stringMatching(/^[\x21-\x7e]{1,16}$/),
      node: fc.option(fc.constantFrom('alpha', 'beta', 'gamma'), { nil: undefined }),
      result: fc.uint8Array({ maxLength: 8 }),
    })
    fc.assert(
      fc.property(
        fc.array(fc.array(outcome, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
        (frames) => {
          const writer = new OutcomeFrameWriter()
          for (const outcomes of frames) {
            for (const o of outcomes) writer.addResult(o.id, 1, 0, o.node, Buffer.from(o.result), 0, o.result.length)
            const read = readOutcomeFrame(writer.finish())
            if (!read.ok) throw new Error(read.message)
            expect(read.ids).toEqual(outcomes.map((o) => o.id))
            outcomes.forEach((o, i) => {
              expect(outcomeNode(read, i)).toBe(o.node)
              expect([...outcomeResult(read, i)]).toEqual([...o.result])
            })
          }
        },
      ),
    )
  })

  it('a task writer starts each frame empty: a big frame leaves nothing behind in the next one', () => {
    const writer = new TaskFrameWriter(new FunctionTable())
    const registry = new FunctionRegistry()
    for (let i = 0; i < 50; i++) writer.add(`big-${i}`, add, 3, 100, 0, bytes(i, i), 0, 2)
    const big = readable(readTaskFrame(writer.finish(), registry))
    expect(big.count).toBe(50)
    writer.add('lone', add, 1, 0, 2, bytes(7), 0, 1)
    const lone = readable(readTaskFrame(writer.finish(), registry))
    expect(lone.ids).toEqual(['lone'])
    expect([lone.attempts, lone.timeouts, lone.priorities]).toEqual([[1], [0], [2]])
    expect(argsOf(lone, 0)).toEqual([7])
    expect(lone.offsets).toEqual([lone.bytes.length - 1, lone.bytes.length])
  })

  it('a discarded frame sends nothing of what was added to it', () => {
    const writer = new OutcomeFrameWriter()
    writer.addResult('gone', 1, 0, 'alpha', bytes(1, 2, 3), 0, 3)
    writer.discard()
    writer.addResult('kept', 2, 0.5, undefined, bytes(9), 0, 1)
    const read = readOutcomeFrame(writer.finish())
    if (!read.ok) throw new Error(read.message)
    expect(read.ids).toEqual(['kept'])
    expect(read.nodeNames).toEqual([])
    expect([...outcomeResult(read, 0)]).toEqual([9])
  })

  it('reads a frame from any byte view, aligned or not', () => {
    fc.assert(
      fc.property(fc.array(taskArbitrary, { minLength: 1, maxLength: 5 }), fc.nat({ max: 7 }), (tasks, shift) => {
        const frame = writeTasks(
          new FunctionTable(),
          tasks.map((task) => ({ ...task, args: Buffer.from(task.args) })),
        )
        const holder = new Uint8Array(frame.length + shift)
        holder.set(frame, shift)
        const read = readable(readTaskFrame(holder.subarray(shift), new FunctionRegistry()))
        expect(read.ids).toEqual(tasks.map((task) => task.id))
        tasks.forEach((task, i) => {
          expect(read.attempts[i]).toBe(task.attempt)
          expect(read.timeouts[i]).toBe(task.timeout)
          expect(argsOf(read, i)).toEqual([...task.args])
        })
      }),
    )
  })
})

describe('malformed outcome frames', () => {
  const good = () => {
    const writer = new OutcomeFrameWriter()
    writer.addResult('one', 1, 0.5, 'alpha', bytes(1, 2), 0, 2)
    writer.addError('two', 1, 0.1, wireError('TASK_FAILED', 'boom'))
    return writer.finish()
  }

  it('refuses a bad status, node index or run time, answering each readable id', () => {
    const frame = good()
    const columns = frame.length - 3 * 4 - frame.readUInt32LE(24) - 2 * 15
    const status = Buffer.from(frame)
    status[columns + 12 * 2] = 9
    expect(unreadable(readOutcomeFrame(status)).ids).toEqual(['one', 'two'])
    const node = Buffer.from(frame)
    node.writeUInt16LE(5, columns + 13 * 2)
    expect(unreadable(readOutcomeFrame(node)).message).toMatch(/node index/)
    for (const bad of [-1, NaN, Infinity, -Infinity]) {
      const ms = Buffer.from(frame)
      ms.writeDoubleLE(bad, columns + 4 * 2)
      const refused = unreadable(readOutcomeFrame(ms))
      expect(refused.message).toMatch(/run time/)
      expect(refused.ids).toEqual(['one', 'two'])
    }
  })

  it('reads an error payload that is not a WireError as undefined', () => {
    const writer = new OutcomeFrameWriter()
    const text = Buffer.from('{"not":"an error"}')
    writer.addResult('x', 1, 0, undefined, text, 0, text.length)
    const frame = readOutcomeFrame(writer.finish())
    if (!frame.ok) throw new Error(frame.message)
    expect(outcomeError(frame, 0)).toBeUndefined()
  })
})
