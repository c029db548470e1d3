/**
 * Property tests over what a hostile peer controls: the bytes of a frame and the shape of what is
 * inside it. Whatever comes in, the decoder either throws (Socket.IO then closes that one
 * connection) or yields a packet that is safe to dispatch; a batch reader accounts for every item.
 */
import fc from 'fast-check'
import { serialize } from 'node:v8'
import { describe, expect, it } from 'vitest'
import {
  MAX_BATCH_ITEMS,
  parseBatch,
  taskIdSchema,
  taskSubmissionSchema,
  nodeTaskOutcomeSchema,
  cutText,
} from '../../../protocol/index.js'
import { DATA_LINK_OFFER_TAG, Decoder, RESERVED_EVENTS, RESERVED_EVENT_PREFIX } from '../../../protocol/packet-codec.js'

/** Runs the decoder on one frame: the decoded packet, or the error it threw. */
function decode(frame: unknown): {
  packet?: { type: number; nsp: string; data?: unknown; id?: number }
  error?: unknown
} {
  const decoder = new Decoder()
  let packet: { type: number; nsp: string; data?: unknown; id?: number } | undefined
  decoder.on('decoded', (decoded: typeof packet) => (packet = decoded))
  try {
    decoder.add(frame)
    return { packet }
  } catch (error) {
    return { error }
  }
}

const eventName = fc.oneof(
  fc.constantFrom(...RESERVED_EVENTS, 'task:submit', 'task:settled', 'link:sync'),
  fc.string({ maxLength: 40 }),
)
const packetLike = fc.record(
  {
    type: fc.oneof(fc.integer({ min: -2, max: 8 }), fc.constant('2'), fc.constant(null)),
    nsp: fc.oneof(fc.constantFrom('/client', '/node', '/control', '/'), fc.string({ maxLength: 20 }), fc.integer()),
    data: fc.oneof(
      fc
        .tuple(eventName)
        .chain(([name]) => fc.array(fc.anything({ maxDepth: 3 }), { maxLength: 4 }).map((rest) => [name, ...rest])),
      fc.anything({ maxDepth: 4 }),
    ),
    id: fc.oneof(fc.nat(), fc.integer({ min: -5, max: -1 }), fc.double(), fc.string({ maxLength: 3 })),
  },
  { requiredKeys: [] },
)

describe('packet decoder under hostile frames', () => {
  it('never emits a reserved event name and never lets an invalid packet through', () => {
    fc.assert(
      fc.property(packetLike, (candidate) => {
        const { packet, error } = decode(serialize(candidate))
        if (error !== undefined) {
          expect(packet).toBeUndefined()
          return
        }
        expect(packet).toBeDefined()
        expect(typeof packet!.nsp).toBe('string')
        expect(packet!.nsp.startsWith('/')).toBe(true)
        if (packet!.id !== undefined) expect(Number.isInteger(packet!.id) && packet!.id >= 0).toBe(true)
        if (packet!.type === 2) {
          const name = (packet!.data as unknown[])[0]
          expect(typeof name).toBe('string')
          expect(RESERVED_EVENTS.has(name as string)).toBe(false)
          if (RESERVED_EVENTS.has((name as string).slice(RESERVED_EVENT_PREFIX.length)))
            expect((name as string).startsWith(RESERVED_EVENT_PREFIX)).toBe(true)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('throws (closing only that connection) on bytes that are not a packet', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        const { packet, error } = decode(bytes)
        // Either refused, or — rarely — random bytes that happen to be a valid packet, or a data-link
        // offer, which a decoder that takes none (the manager's) ignores.
        expect(error !== undefined || packet !== undefined || bytes[0] === DATA_LINK_OFFER_TAG).toBe(true)
      }),
      { numRuns: 2000 },
    )
    expect(decode('a text frame').error).toBeInstanceOf(TypeError)
  })
})

const taskIdLike = fc.oneof(
  fc.string({ minLength: 1, maxLength: 20 }),
  fc.string({ minLength: 129, maxLength: 300 }),
  fc.integer(),
  fc.constant(undefined),
)
const itemLike = fc.oneof(
  fc.record(
    { id: taskIdLike, fn: fc.anything({ maxDepth: 2 }), args: fc.oneof(fc.uint8Array({ maxLength: 8 }), fc.string()) },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      id: taskIdLike,
      attempt: fc.integer(),
      ok: fc.boolean(),
      result: fc.uint8Array({ maxLength: 8 }),
      ms: fc.double(),
    },
    { requiredKeys: [] },
  ),
  fc.anything({ maxDepth: 2 }),
)

describe('batch reader under hostile frames', () => {
  for (const [name, schema] of [
    ['task submissions', taskSubmissionSchema],
    ['node outcomes', nodeTaskOutcomeSchema],
  ] as const) {
    it(`accounts for every item of a ${name} frame and only answers ids a task could have`, () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.array(itemLike, { minLength: 1, maxLength: 30 }), fc.anything({ maxDepth: 2 })),
          (frame) => {
            const { valid, rejected } = parseBatch(schema as typeof taskSubmissionSchema, frame)
            if (Array.isArray(frame) && frame.length >= 1 && frame.length <= MAX_BATCH_ITEMS) {
              expect(valid.length + rejected.length).toBe(frame.length)
            } else {
              expect(valid).toEqual([])
              expect(rejected).toHaveLength(1)
            }
            for (const bad of rejected) {
              expect(bad.error.code).toBe('BAD_REQUEST')
              if (bad.id !== undefined) expect(taskIdSchema.safeParse(bad.id).success).toBe(true)
            }
          },
        ),
        { numRuns: 1000 },
      )
    })
  }
})

describe('cutText', () => {
  it('keeps short text and bounds long text, saying how much was cut', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.integer({ min: 1, max: 500 }), (text, max) => {
        const cut = cutText(text, max)
        if (text.length <= max) expect(cut).toBe(text)
        else {
          expect(cut.startsWith(text.slice(0, max))).toBe(true)
          expect(cut).toContain(`${text.length - max} more characters cut`)
          expect(cut.length).toBeLessThan(max + 50)
        }
      }),
    )
  })
})
