import { describe, expect, it } from 'vitest'
import { BATCH_FLUSH_BYTES, FrameBatcher, MAX_BATCH_ITEMS } from '../../../protocol/index.js'

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
