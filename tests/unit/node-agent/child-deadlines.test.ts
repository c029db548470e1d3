import type { ChildProcess } from 'node:child_process'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { armHeadTimer } from '../../../node-agent/child-deadlines.js'
import { ChildSlot } from '../../../node-agent/child-slot.js'
import type { PoolTask } from '../../../node-agent/pool-task.js'
import { functionEntry } from '../../../protocol/function-table.js'

const fn = functionEntry({ kind: 'source', source: '() => 1' })
const task = (id: string, attempt: number, timeout: number): PoolTask => ({
  id,
  attempt,
  fn,
  timeout,
  bytes: new Uint8Array(0),
  start: 0,
  end: 0,
})

/** A slot whose child records the signals it is sent. */
function slotWithChild(): { slot: ChildSlot; signals: string[] } {
  const slot = new ChildSlot(0)
  const signals: string[] = []
  slot.child = { kill: (signal: string) => signals.push(signal) } as unknown as ChildProcess
  return { slot, signals }
}

describe('the head timer', () => {
  afterEach(() => vi.useRealTimers())

  it('times the task that reached the head, also when it is another attempt of the one before (same id)', () => {
    vi.useFakeTimers()
    const { slot, signals } = slotWithChild()
    // A reconnect can put two attempts of one task into one child's line, one behind the other.
    slot.hold(task('t', 1, 0), 1)
    slot.hold(task('t', 2, 50), 1)
    armHeadTimer(slot)
    expect(slot.timer).toBeNull()
    slot.settleHead('t')
    armHeadTimer(slot)
    vi.advanceTimersByTime(50)
    expect(signals).toEqual(['SIGKILL'])
    expect(slot.kill).toEqual({ id: 't', code: 'TASK_TIMEOUT' })
  })

  it('counts a timeout from when its task reaches the head, and drops the timer once it is answered', () => {
    vi.useFakeTimers()
    const { slot, signals } = slotWithChild()
    slot.hold(task('a', 1, 0), 1)
    slot.hold(task('b', 1, 30), 1)
    armHeadTimer(slot)
    vi.advanceTimersByTime(100)
    slot.settleHead('a')
    armHeadTimer(slot)
    vi.advanceTimersByTime(29)
    expect(signals).toEqual([])
    slot.settleHead('b')
    armHeadTimer(slot)
    vi.advanceTimersByTime(100)
    expect(signals).toEqual([])
    expect(slot.timer).toBeNull()
  })
})
