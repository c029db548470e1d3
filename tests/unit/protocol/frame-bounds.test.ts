/**
 * What a batch frame's readers and writers bound, whatever a peer sends: the work spent on the ids
 * section (by the header's count, not the section's length), the run-time column (finite, never
 * negative) and the node names (the writer never makes a frame the reader refuses).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  FunctionRegistry,
  MAX_BATCH_ITEMS,
  OutcomeFrameWriter,
  isWellFormedTaskId,
  nodeHandshakeSchema,
  outcomeNode,
  outcomeResult,
  readOutcomeFrame,
  readTaskFrame,
  wireError,
  type UnreadableFrame,
} from '../../../protocol/index.js'
import {
  FRAME_MAGIC,
  HEADER_BYTES,
  KIND_TASKS,
  MAX_NODE_NAME_CHARS,
  MAX_TASK_ID_CHARS,
  TASK_COLUMN_BYTES,
} from '../../../protocol/frame-layout.js'

/** A task frame whose header says `count` and whose ids section is `ids`; the other sections agree. */
function rawTaskFrame(count: number, ids: string): Buffer {
  const idsBytes = Buffer.byteLength(ids, 'latin1')
  const frame = Buffer.alloc(HEADER_BYTES + idsBytes + count * TASK_COLUMN_BYTES + 4 * (count + 1))
  frame.writeUInt32LE(FRAME_MAGIC, 0)
  frame[4] = KIND_TASKS
  frame.writeUInt32LE(count, 8)
  frame.writeUInt32LE(idsBytes, 16)
  frame.write(ids, HEADER_BYTES, 'latin1')
  return frame
}

function unreadable(result: { ok: boolean }): UnreadableFrame {
  expect(result.ok).toBe(false)
  return result as UnreadableFrame
}

const read = (frame: Buffer) => readTaskFrame(frame, new FunctionRegistry())

describe('the ids section, bounded by the header count', () => {
  it('refuses a section longer than count ids can be, answering at most count + 1 of its ids', () => {
    // About 4 MB of 2-character ids: unbounded, this was 1.4 million strings and 10 000 answers.
    const huge = 'ab\n'.repeat(1_400_000)
    for (const count of [0, 1, 2, 50]) {
      const refused = unreadable(read(rawTaskFrame(count, huge)))
      expect(refused.ids.length).toBeLessThanOrEqual(count + 1)
      expect(refused.ids.every((id) => id === 'ab')).toBe(true)
      if (count > 0) expect(refused.message).toMatch(/ids section has 4200000 bytes/)
    }
  })

  it('reads a section as long as count ids of the longest length, and refuses one byte more', () => {
    const longest = ['x', 'y', 'z'].map((c) => c.repeat(MAX_TASK_ID_CHARS))
    const frame = read(rawTaskFrame(3, longest.join('\n')))
    if (!frame.ok) throw new Error(frame.message)
    expect(frame.ids).toEqual(longest)
    const over = unreadable(read(rawTaskFrame(3, longest.join('\n') + 'z')))
    expect(over.message).toMatch(/ids section/)
    expect(over.ids).toEqual(longest.slice(0, 2))
  })

  it('says a frame holds more ids than tasks without counting them all', () => {
    const refused = unreadable(read(rawTaskFrame(2, 'a\nb\nc\nd')))
    expect(refused.message).toBe('more than 2 ids for 2 tasks')
    expect(refused.ids).toEqual(['a', 'b', 'c'])
  })

  it('answers only whole ids where it reads part of a section', () => {
    // Read as far as two ids reach: the y-run is cut there, and a cut piece is no id to answer.
    const cut = unreadable(read(rawTaskFrame(1, `${'x'.repeat(128)}\n${'y'.repeat(200)}`)))
    expect(cut.ids).toEqual(['x'.repeat(128)])
    const whole = unreadable(read(rawTaskFrame(1, `a\nb\n${'c'.repeat(1000)}`)))
    expect(whole.ids).toEqual(['a', 'b'])
    const longest = unreadable(read(rawTaskFrame(0, `${'x'.repeat(128)}\n${'y'.repeat(1000)}`)))
    expect(longest.ids).toEqual(['x'.repeat(128)])
  })

  it('answers only well-formed whole ids among the first count + 1, whatever the section (property)', () => {
    const piece = fc.oneof(
      fc.stringMatching(/^[\x21-\x7e]{0,6}$/),
      fc.integer({ min: 120, max: 400 }).map((n) => 'L'.repeat(n)),
      fc.constantFrom('with space', 'é', '\r'),
    )
    fc.assert(
      fc.property(
        fc.oneof(fc.nat({ max: 12 }), fc.constantFrom(MAX_BATCH_ITEMS, MAX_BATCH_ITEMS + 1, 2 ** 32 - 1)),
        fc.array(piece, { maxLength: 40 }),
        (count, pieces) => {
          const section = pieces.join('\n')
          // Columns for at most 64 tasks: a larger count is refused whatever the other sections say.
          const frame = rawTaskFrame(Math.min(count, 64), section)
          frame.writeUInt32LE(count, 8)
          const answered = read(frame)
          if (answered.ok) {
            expect(answered.ids).toEqual(section.split('\n'))
            return
          }
          const limit = Math.min(count, MAX_BATCH_ITEMS) + 1
          const expected = section.split('\n').slice(0, limit).filter(isWellFormedTaskId)
          expect(answered.ids.length).toBeLessThanOrEqual(limit)
          expect(answered.ids).toEqual(expected.slice(0, answered.ids.length))
          // Read whole, nothing is left out: every well-formed id among the first pieces is answered.
          if (section.length <= limit * (MAX_TASK_ID_CHARS + 1)) expect(answered.ids).toEqual(expected)
        },
      ),
    )
  })
})

describe('the run-time column', () => {
  const valid = fc.record({
    id: fc.stringMatching(/^[\x21-\x7e]{1,16}$/),
    ms: fc.double({ min: 0, max: 1e9, noNaN: true }),
  })
  const notARunTime = fc.oneof(
    fc.constantFrom(Infinity, -Infinity, NaN, -Number.MIN_VALUE, -1),
    fc.double({ max: -Number.MIN_VALUE }),
  )

  it('refuses a frame with a run time that is not finite and non-negative, answering every id (property)', () => {
    fc.assert(
      fc.property(fc.array(valid, { minLength: 1, maxLength: 20 }), fc.nat(), notARunTime, (outcomes, at, bad) => {
        const writer = new OutcomeFrameWriter()
        const badAt = at % outcomes.length
        outcomes.forEach((o, i) => {
          const ms = i === badAt ? bad : o.ms
          if (i % 2 === 0) writer.addResult(o.id, 1, ms, 'alpha', Buffer.from([1]), 0, 1)
          else writer.addError(o.id, 1, ms, wireError('TASK_FAILED', 'boom'))
        })
        const refused = unreadable(readOutcomeFrame(writer.finish()))
        expect(refused.message).toBe(`bad run time at outcome ${badAt}`)
        expect(refused.ids).toEqual(outcomes.map((o) => o.id))
      }),
    )
  })

  it('yields only finite, non-negative run times, whatever bytes the column holds (property)', () => {
    // Any 8 bytes, and doubles as a buggy writer would put them there (NaN, ±Infinity, -0 among them).
    const column = fc.oneof(
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.oneof(fc.double(), fc.constantFrom(Infinity, -Infinity, NaN, -0)).map((ms) => {
        const bytes = Buffer.alloc(8)
        bytes.writeDoubleLE(ms)
        return bytes
      }),
    )
    fc.assert(
      fc.property(column, (noise) => {
        const writer = new OutcomeFrameWriter()
        writer.addResult('one', 1, 0.5, undefined, Buffer.from([1, 2]), 0, 2)
        const frame = writer.finish()
        // One outcome: its ms lies before status (1), node (2), the offsets (2 × 4) and the payload (2).
        const msAt = frame.length - 2 - 8 - 2 - 1 - 8
        expect(frame.readDoubleLE(msAt)).toBe(0.5)
        frame.set(noise, msAt)
        const result = readOutcomeFrame(frame)
        if (result.ok) {
          expect(Number.isFinite(result.ms[0])).toBe(true)
          expect(result.ms[0]).toBeGreaterThanOrEqual(0)
        } else expect(result.message).toMatch(/run time/)
      }),
    )
  })
})

describe('node names in outcome frames', () => {
  it('refuses a name the reader would refuse, adding nothing of that outcome', () => {
    const writer = new OutcomeFrameWriter()
    writer.addResult('before', 1, 1, 'alpha', Buffer.from([1]), 0, 1)
    const tooLong = 'n'.repeat(MAX_NODE_NAME_CHARS + 1)
    expect(() => writer.addResult('refused', 1, 1, tooLong, Buffer.from([2]), 0, 1)).toThrow(TypeError)
    const longest = 'n'.repeat(MAX_NODE_NAME_CHARS)
    writer.addResult('after', 1, 1, longest, Buffer.from([3]), 0, 1)
    const frame = readOutcomeFrame(writer.finish())
    if (!frame.ok) throw new Error(frame.message)
    expect(frame.ids).toEqual(['before', 'after'])
    expect([outcomeNode(frame, 0), outcomeNode(frame, 1)]).toEqual(['alpha', longest])
    expect([...outcomeResult(frame, 1)]).toEqual([3])
    expect(frame.nodeNames).toEqual(['alpha', longest])
  })

  it('takes the names the node handshake takes', () => {
    const name = nodeHandshakeSchema.shape.name
    expect(name.safeParse('n'.repeat(MAX_NODE_NAME_CHARS)).success).toBe(true)
    expect(name.safeParse('n'.repeat(MAX_NODE_NAME_CHARS + 1)).success).toBe(false)
  })

  it('either refuses a name or writes a frame that reads it back: the two never disagree (property)', () => {
    const name = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc
        .tuple(
          fc.integer({ min: MAX_NODE_NAME_CHARS - 3, max: MAX_NODE_NAME_CHARS + 3 }),
          fc.constantFrom('h', '✓', '😀'),
        )
        .map(([n, c]) => c.repeat(n).slice(0, n)),
    )
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 4 }), (names) => {
        const writer = new OutcomeFrameWriter()
        const written: string[] = []
        names.forEach((node, i) => {
          try {
            writer.addResult(`t${i}`, 1, 1, node, Buffer.from([i]), 0, 1)
            written.push(node)
          } catch (error) {
            expect(error).toBeInstanceOf(TypeError)
            expect(node.length).toBeGreaterThan(MAX_NODE_NAME_CHARS)
          }
        })
        if (written.length === 0) return
        const frame = readOutcomeFrame(writer.finish())
        if (!frame.ok) throw new Error(frame.message)
        written.forEach((node, i) => expect(outcomeNode(frame, i)).toBe(node))
      }),
    )
  })
})
