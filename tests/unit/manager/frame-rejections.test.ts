import { describe, expect, it } from 'vitest'
import { BadFrameBudget, frameRejecter } from '../../../manager/frame-rejections.js'
import { WarningThrottle } from '../../../manager/warning-throttle.js'
import { silentLogger } from '../../../manager/logger.js'
import type { WireError } from '../../../protocol/index.js'

describe('BadFrameBudget', () => {
  it('answers a few bad frames a second, counts the rest, and closes past the window budget', () => {
    const budget = new BadFrameBudget({ repliesPerSecond: 2, maxBad: 5, windowMs: 10_000 })
    const t = 1_000_000
    expect([budget.record(t), budget.record(t + 1), budget.record(t + 2)]).toEqual(['reply', 'reply', 'count'])
    expect(budget.record(t + 1000)).toBe('reply')
    expect(budget.record(t + 1001)).toBe('reply')
    expect(budget.record(t + 1002)).toBe('close')
    // A new window starts afresh.
    expect(budget.record(t + 20_000)).toBe('reply')
  })
})

describe('frameRejecter', () => {
  it('replies within the budget, then disconnects once and stays quiet', () => {
    const replies: WireError[] = []
    let disconnects = 0
    const socket = {
      emit: (_event: 'request:rejected', error: WireError) => replies.push(error),
      disconnect: () => disconnects++,
    }
    const rejecter = frameRejecter(socket, 'bad-frame:test', {}, new WarningThrottle(silentLogger()), {
      repliesPerSecond: 3,
      maxBad: 4,
      windowMs: 60_000,
    })
    for (let i = 0; i < 10; i++) rejecter.reject('x'.repeat(1000), 'y'.repeat(5000))
    expect(replies).toHaveLength(3)
    expect(replies[0]!.code).toBe('BAD_REQUEST')
    expect(replies[0]!.message.length).toBeLessThan(400)
    expect(disconnects).toBe(1)
  })
})
