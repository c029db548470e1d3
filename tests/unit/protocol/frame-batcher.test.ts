import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BATCH_FLUSH_BYTES, FlushScheduler, FrameBatcher, MAX_BATCH_ITEMS } from '../../../protocol/index.js'

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))
const afterMicrotasks = () => Promise.resolve()

describe('FrameBatcher', () => {
  it('sends what was pushed in one synchronous run as one batch, before the loop turns', async () => {
    const batches: number[][] = []
    const batcher = new FrameBatcher<number>((items) => batches.push(items))
    batcher.push(1)
    batcher.push(2)
    batcher.push(3)
    expect(batches).toHaveLength(0)
    await afterMicrotasks()
    expect(batches).toEqual([[1, 2, 3]])
    batcher.push(4)
    await nextTurn()
    expect(batches).toEqual([[1, 2, 3], [4]])
  })

  it('flushes early on item count and on bytes', () => {
    const batches: number[][] = []
    const batcher = new FrameBatcher<number>((items) => batches.push(items))
    for (let i = 0; i < MAX_BATCH_ITEMS; i++) batcher.push(i)
    expect(batches).toHaveLength(1)
    batcher.push(1, BATCH_FLUSH_BYTES)
    expect(batches).toHaveLength(2)
  })

  it('take() hands back what was not sent', () => {
    const batcher = new FrameBatcher<number>(() => {
      throw new Error('must not send')
    })
    batcher.push(1)
    batcher.push(2)
    expect(batcher.take()).toEqual([1, 2])
    expect(batcher.size).toBe(0)
  })
})

/** A frame writer stand-in: items added since the last flush, and every flushed frame. */
function recorder(firstFrameItems?: number) {
  const frames: number[][] = []
  let pending: number[] = []
  const scheduler = new FlushScheduler(
    () => {
      if (pending.length === 0) return
      frames.push(pending)
      pending = []
    },
    firstFrameItems === undefined ? {} : { firstFrameItems },
  )
  const add = (item: number, bytes = 0): void => {
    scheduler.beforeAdd(pending.length === 0 ? 0 : bytes, bytes)
    pending.push(item)
    scheduler.added(pending.length, 0)
  }
  return { frames, add }
}

describe('FlushScheduler', () => {
  it('without a first frame size sends one run of adds as one frame, at the microtask', async () => {
    const { frames, add } = recorder()
    for (let i = 0; i < 1000; i++) add(i)
    expect(frames).toHaveLength(0)
    await afterMicrotasks()
    expect(frames.map((frame) => frame.length)).toEqual([1000])
  })

  it('with a first frame size sends a long run as it grows: that size, then each frame twice the one before', async () => {
    const { frames, add } = recorder(4)
    for (let i = 0; i < 30; i++) add(i)
    // Sent during the run, before any microtask: the receiver can start on them.
    expect(frames.map((frame) => frame.length)).toEqual([4, 8, 16])
    await afterMicrotasks()
    expect(frames.map((frame) => frame.length)).toEqual([4, 8, 16, 2])
    expect(frames.flat()).toEqual(Array.from({ length: 30 }, (_, i) => i))
  })

  it('starts again at the first size with the next run', async () => {
    const { frames, add } = recorder(4)
    for (let i = 0; i < 13; i++) add(i)
    await afterMicrotasks()
    for (let i = 0; i < 13; i++) add(100 + i)
    await afterMicrotasks()
    expect(frames.map((frame) => frame.length)).toEqual([4, 8, 1, 4, 8, 1])
  })

  it('a run shorter than the first size stays one frame, sent at the microtask', async () => {
    const { frames, add } = recorder(32)
    for (let i = 0; i < 31; i++) add(i)
    expect(frames).toHaveLength(0)
    await afterMicrotasks()
    expect(frames.map((frame) => frame.length)).toEqual([31])
  })

  it('keeps every item once and in order, in frames that double from the first size (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 4 }),
        async (first, runs) => {
          const { frames, add } = recorder(first)
          let next = 0
          const sizesPerRun: number[][] = []
          for (const length of runs) {
            const before = frames.length
            for (let i = 0; i < length; i++) add(next++)
            await afterMicrotasks()
            sizesPerRun.push(frames.slice(before).map((frame) => frame.length))
          }
          expect(frames.flat()).toEqual(Array.from({ length: next }, (_, i) => i))
          for (const sizes of sizesPerRun) {
            // Every frame but the last of a run is exactly first × 2^k; the last is no larger than its turn.
            sizes.forEach((size, k) => {
              const turn = Math.min(MAX_BATCH_ITEMS, first * 2 ** k)
              if (k < sizes.length - 1) expect(size).toBe(turn)
              else expect(size).toBeLessThanOrEqual(turn)
            })
          }
        },
      ),
      { numRuns: 200 },
    )
  })
})
