import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  FunctionCatalog,
  FunctionRegistry,
  FunctionTable,
  MAX_FUNCTION_SOURCE_CHARS,
  MAX_FRAME_BYTES,
  PRIORITY_CODE,
  TaskFrameWriter,
  functionEntry,
  functionKey,
  readTaskFrame,
  taskProblem,
  type FunctionEntry,
  type TaskFrame,
  type TaskFunction,
  type UnreadableFrame,
} from '../../../protocol/index.js'
import {
  MAX_CATALOG_FUNCTION_CHARS,
  MAX_HELD_FUNCTION_CHARS,
  MAX_LINK_FUNCTION_CHARS,
} from '../../../protocol/limits.js'

const args = Buffer.from([1])

function writeFrame(table: FunctionTable, fns: readonly FunctionEntry[], from = 0): Buffer {
  const writer = new TaskFrameWriter(table)
  fns.forEach((fn, i) => writer.add(`t${from + i}`, fn, 0, 0, PRIORITY_CODE.normal, args, 0, args.length))
  return writer.finish()
}

function readable(result: TaskFrame | UnreadableFrame): TaskFrame {
  if (!result.ok) throw new Error(`unreadable: ${result.message}`)
  return result
}

const source = (text: string): TaskFunction => ({ kind: 'source', source: text })

/** A source of exactly `chars` characters, distinct per `n` (its key is one character longer). */
function sized(n: number, chars: number): TaskFunction {
  const head = `()=>${n}//`
  return source(head + 'x'.repeat(chars - head.length))
}

/** A sender that ignores both bounds and starts over only when told to (a misbehaving peer). */
class UnboundedTable extends FunctionTable {
  resetNext = false
  constructor() {
    super(Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY)
  }
  override beginFrame(): boolean {
    if (!this.resetNext) return false
    this.resetNext = false
    this.clear()
    return true
  }
}

describe('the limits', () => {
  it('leave one frame of room over what an honest sender holds, and allow real programs many functions', () => {
    expect(MAX_HELD_FUNCTION_CHARS).toBe(MAX_LINK_FUNCTION_CHARS + MAX_FRAME_BYTES)
    expect(MAX_LINK_FUNCTION_CHARS / MAX_FUNCTION_SOURCE_CHARS).toBeGreaterThanOrEqual(64)
    expect(MAX_CATALOG_FUNCTION_CHARS).toBeGreaterThanOrEqual(MAX_LINK_FUNCTION_CHARS)
  })
})

describe('a link registry bounded by source characters', () => {
  it('refuses a frame past the default bound, keeps serving what it holds, and frees it all at a reset', () => {
    // The reported attack at its real sizes: frames of new maximal functions, never a reset.
    const table = new UnboundedTable()
    const registry = new FunctionRegistry(new FunctionCatalog())
    const perFrame = 32
    const frameChars = perFrame * (MAX_FUNCTION_SOURCE_CHARS + 1)
    const held: FunctionEntry[] = []
    let refused: UnreadableFrame | undefined
    let refusedFns: FunctionEntry[] = []
    // Without a bound on characters this goes on (the count bound is 14,096 functions, 3.7 G characters).
    for (let frameNo = 0; frameNo < MAX_HELD_FUNCTION_CHARS / frameChars + 2; frameNo++) {
      const fns = Array.from({ length: perFrame }, (_, i) =>
        functionEntry(sized(frameNo * perFrame + i, MAX_FUNCTION_SOURCE_CHARS)),
      )
      const result = readTaskFrame(writeFrame(table, fns, frameNo * perFrame), registry)
      if (!result.ok) {
        refused = result
        refusedFns = fns
        break
      }
      held.push(...fns)
    }
    expect(refused).toBeDefined()
    // Answered like a frame past the count bound: every task of it is refused by id (BAD_REQUEST).
    expect(refused!.message).toMatch(/too many functions/)
    expect(refused!.ids).toHaveLength(perFrame)
    expect(registry.size).toBe(held.length)
    expect(registry.chars).toBe(held.length * (MAX_FUNCTION_SOURCE_CHARS + 1))
    expect(registry.chars).toBeLessThanOrEqual(MAX_HELD_FUNCTION_CHARS)
    expect(registry.chars + frameChars).toBeGreaterThan(MAX_HELD_FUNCTION_CHARS)

    // Functions it holds still serve new tasks; the refused ones are unknown, each task answered.
    const later = readable(readTaskFrame(writeFrame(table, [held[0]!, refusedFns[0]!], 10_000), registry))
    expect(registry.get(later.fns[0]!)!.fn).toEqual(held[0]!.fn)
    expect(taskProblem(later, 0, registry, 1024)).toBeUndefined()
    expect(taskProblem(later, 1, registry, 1024)).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('unknown function id') as string,
    })

    // A reset frees every character, and a new definition is accepted again.
    table.resetNext = true
    const fresh = readable(readTaskFrame(writeFrame(table, [refusedFns[0]!], 20_000), registry))
    expect(registry.size).toBe(1)
    expect(registry.chars).toBe(MAX_FUNCTION_SOURCE_CHARS + 1)
    expect(registry.get(fresh.fns[0]!)!.fn).toEqual(refusedFns[0]!.fn)
    expect(taskProblem(fresh, 0, registry, 1024)).toBeUndefined()
    // About 80 MB of definitions go through the frame reader and writer: more than the default 5 s on a busy host.
  }, 30_000)

  it('accepts definitions up to the bound exactly and refuses the next character, changing nothing', () => {
    const registry = new FunctionRegistry(undefined, 100, 300)
    expect(registry.defineAll([[1, sized(1, 99)]], false)).toBe(true)
    expect(
      registry.defineAll(
        [
          [2, sized(2, 99)],
          [3, sized(3, 99)],
        ],
        false,
      ),
    ).toBe(true)
    expect(registry.chars).toBe(300)
    // One character more, alone or as part of a frame whose other definitions would fit.
    expect(registry.define(4, source('x'))).toBe(false)
    expect(
      registry.defineAll(
        [
          [4, source('x')],
          [5, source('y')],
        ],
        false,
      ),
    ).toBe(false)
    expect(registry.size).toBe(3)
    expect(registry.chars).toBe(300)
    expect(registry.get(4)).toBeUndefined()
    expect(registry.get(2)!.fn).toEqual(sized(2, 99))
    // A redefined id counts once, at its new size.
    expect(registry.define(3, sized(3, 50))).toBe(true)
    expect(registry.chars).toBe(251)
    // A reset frame starts from nothing, so a frame that would not fit on top fits after it.
    expect(
      registry.defineAll(
        [
          [1, sized(7, 149)],
          [2, sized(8, 149)],
        ],
        true,
      ),
    ).toBe(true)
    expect(registry.size).toBe(2)
    expect(registry.chars).toBe(300)
    expect(registry.get(3)).toBeUndefined()
    registry.clear()
    expect(registry.chars).toBe(0)
  })

  it('counts the characters of module functions as their keys', () => {
    const fn: TaskFunction = { kind: 'module', module: '/tasks.mjs', export: 'fib' }
    const registry = new FunctionRegistry()
    expect(registry.define(1, fn)).toBe(true)
    expect(registry.chars).toBe(functionKey(fn).length)
  })
})

describe('an honest sender', () => {
  it('starts its table over once it holds its character budget, and the next frame says so', () => {
    const table = new FunctionTable(4096, 100)
    const registry = new FunctionRegistry(undefined, 4096, 100 + 1000)
    const fns = [0, 1, 2, 3].map((n) => functionEntry(sized(n, 59)))
    readable(readTaskFrame(writeFrame(table, [fns[0]!]), registry))
    readable(readTaskFrame(writeFrame(table, [fns[1]!]), registry))
    expect(table.chars).toBe(120)
    expect(registry.chars).toBe(120)
    const generation = registry.generation
    const frame = readable(readTaskFrame(writeFrame(table, [fns[2]!]), registry))
    expect(registry.generation).toBe(generation + 1)
    expect(table.chars).toBe(60)
    expect(registry.chars).toBe(60)
    expect(registry.get(frame.fns[0]!)!.fn).toEqual(fns[2]!.fn)
    table.clear()
    expect(table.chars).toBe(0)
  })

  it('is never refused by a receiver with one frame of room, which mirrors its table', () => {
    const charLimit = 200
    const maxFrameTasks = 6
    const maxKey = 61
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.record({ n: fc.nat({ max: 40 }), chars: fc.integer({ min: 8, max: maxKey - 1 }) }), {
            minLength: 1,
            maxLength: maxFrameTasks,
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (frames) => {
          const table = new FunctionTable(4096, charLimit)
          const registry = new FunctionRegistry(undefined, 4096, charLimit + maxFrameTasks * maxKey)
          // One entry per function, as the client keeps them (the table keys by source).
          const entries = new Map<number, FunctionEntry>()
          for (const tasks of frames) {
            const fns = tasks.map(({ n, chars }) => {
              if (!entries.has(n)) entries.set(n, functionEntry(sized(n, chars)))
              return entries.get(n)!
            })
            const frame = readable(readTaskFrame(writeFrame(table, fns), registry))
            fns.forEach((fn, i) => expect(registry.get(frame.fns[i]!)!.fn).toEqual(fn.fn))
            expect(registry.chars).toBe(table.chars)
            expect(registry.chars).toBeLessThanOrEqual(registry.maxChars)
          }
        },
      ),
    )
  })
})

describe('a misbehaving sender', () => {
  it('never takes a registry past its bounds; a refused frame changes nothing', () => {
    const definition = fc.tuple(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 3, max: 40 }).map((chars) => sized(chars, chars + 4)),
    )
    fc.assert(
      fc.property(
        fc.array(fc.record({ defs: fc.array(definition, { maxLength: 8 }), reset: fc.boolean() }), {
          maxLength: 25,
        }),
        (frames) => {
          const registry = new FunctionRegistry(new FunctionCatalog(10_000, 150), 4096, 120)
          for (const { defs, reset } of frames) {
            const before = [...Array(13).keys()].map((id) => registry.get(id))
            const generation = registry.generation
            const chars = registry.chars
            if (registry.defineAll(defs, reset)) {
              // The last definition of each id wins.
              for (const [id] of defs) expect(registry.get(id)!.fn).toEqual(defs.findLast(([d]) => d === id)![1])
            } else {
              expect([...Array(13).keys()].map((id) => registry.get(id))).toEqual(before)
              expect(registry.generation).toBe(generation)
              expect(registry.chars).toBe(chars)
            }
            // The counter is exactly what the held entries take.
            let held = 0
            for (let id = 0; id <= 12; id++) held += registry.get(id)?.key.length ?? 0
            expect(registry.chars).toBe(held)
            expect(registry.chars).toBeLessThanOrEqual(120)
          }
        },
      ),
    )
  })
})

describe('the shared catalog', () => {
  it('starts over before its keys pass its character bound, and shares entries until then', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 60 }), (picks) => {
        const catalog = new FunctionCatalog(10_000, 100)
        for (const n of picks) {
          const fn = sized(n, 20 + n)
          const entry = catalog.intern(fn)
          expect(entry.key).toBe(functionKey(fn))
          // Interning again without anything new in between shares the entry.
          expect(catalog.intern(fn)).toBe(entry)
          expect(catalog.chars).toBeLessThanOrEqual(100)
        }
      }),
    )
  })

  it('keeps the reported attack bounded: maximal functions never hold more than its bound', () => {
    const catalog = new FunctionCatalog()
    const big = 'x'.repeat(MAX_FUNCTION_SOURCE_CHARS - 16)
    for (let n = 0; n < 2 * (MAX_CATALOG_FUNCTION_CHARS / MAX_FUNCTION_SOURCE_CHARS); n++) {
      catalog.intern(source(`()=>${n}//${big}`))
      expect(catalog.chars).toBeLessThanOrEqual(MAX_CATALOG_FUNCTION_CHARS)
    }
  })
})
