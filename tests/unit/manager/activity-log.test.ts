import { afterEach, describe, expect, it, vi } from 'vitest'
import { ActivityLog } from '../../../manager/activity-log.js'
import { describeDisconnect } from '../../../manager/disconnect-reasons.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('ActivityLog events', () => {
  it('aggregates task failures into one event per window, with the span to open', () => {
    vi.useFakeTimers({ now: 1_000_000 })
    const log = new ActivityLog({ failureWindowMs: 10_000 })
    const first = log.record('task-failed', 'task a failed on n1: boom', { node: 'n1', taskId: 'a' })
    expect(first).toMatchObject({ kind: 'task-failed', taskId: 'a', count: 1 })
    for (let i = 0; i < 12; i++) {
      vi.advanceTimersByTime(500)
      expect(log.record('task-failed', `task b${i} failed on n2: boom`, { node: 'n2', taskId: `b${i}` })).toBeNull()
    }
    vi.advanceTimersByTime(10_000)
    const events = log.recentEvents()
    expect(events).toHaveLength(2)
    expect(events[1]).toMatchObject({ kind: 'task-failed', count: 12, node: 'n2', since: 1_000_000 })
    expect(events[1]!.message).toMatch(/^12 tasks failed in the last 10 s on n2; the last: task b11 failed/)
    expect(events[1]!.until).toBeGreaterThan(1_000_000 + 6000)
    // Quiet now: the window closes with no event, and the next failure is its own event again.
    vi.advanceTimersByTime(20_000)
    expect(log.recentEvents()).toHaveLength(2)
    expect(log.record('task-failed', 'task c failed', { taskId: 'c' })).toMatchObject({ count: 1, taskId: 'c' })
    log.close()
  })

  it('never lets task events evict node events', () => {
    const log = new ActivityLog({ failureWindowMs: 1 })
    log.record('node-lost', 'n1 lost', { node: 'n1' })
    for (let i = 0; i < 1000; i++) log.record('task-lost', `task ${i} lost`, { taskId: String(i) })
    const events = log.recentEvents()
    expect(events.filter((event) => event.kind === 'node-lost')).toHaveLength(1)
    expect(events.filter((event) => event.kind === 'task-lost').length).toBeLessThanOrEqual(100)
    log.close()
  })
})

describe('describeDisconnect', () => {
  it('tells an agent that stopped from one that was lost, in plain words', () => {
    expect(describeDisconnect('vm', 'client namespace disconnect', false, 0)).toEqual({
      kind: 'node-left',
      message: 'vm left: the agent stopped',
    })
    expect(describeDisconnect('vm', 'transport close', true, 2).kind).toBe('node-left')
    const lost = describeDisconnect('vm', 'ping timeout', false, 3)
    expect(lost.kind).toBe('node-lost')
    expect(lost.message).toBe('vm lost: it stopped answering heartbeats; 3 unfinished task(s) went back to the queue')
    expect(describeDisconnect('vm', 'transport close', false, 0).message).toMatch(/connection closed/)
  })
})
