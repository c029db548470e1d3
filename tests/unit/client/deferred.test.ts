import { describe, expect, it } from 'vitest'
import { deferredOf } from '../../../client/deferred.js'

describe('deferredOf', () => {
  it('is callable for the value and finished once the task is', async () => {
    let resolve!: (value: number) => void
    const later = deferredOf(new Promise<number>((r) => (resolve = r)))
    expect(later.isFinished()).toBe(false)
    resolve(28)
    await expect(later()).resolves.toBe(28)
    expect(later.isFinished()).toBe(true)
  })

  it('is the seed pair [deferred, isFinished], by `pair` and by destructuring alike', async () => {
    const later = deferredOf(Promise.resolve('done'))
    const [deferred, isFinished] = later.pair
    expect(deferred).toBe(later)
    expect(isFinished).toBe(later.isFinished)
    expect([...later]).toEqual([...later.pair])
    await expect(deferred()).resolves.toBe('done')
    expect(isFinished()).toBe(true)
  })

  it('holds a failure for whoever waits, without an unhandled rejection meanwhile', async () => {
    const later = deferredOf(Promise.reject(new Error('boom')))
    await new Promise((resolve) => setImmediate(resolve))
    expect(later.isFinished()).toBe(true)
    await expect(later()).rejects.toThrow('boom')
  })
})
