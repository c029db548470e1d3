/**
 * The agent's per-child decisions without processes: what fills a child's window, and which
 * child hands back how many tasks it holds but has not started, for an idle sibling or a steal.
 */
import { describe, expect, it } from 'vitest'
import { FunctionRunTimes } from '../../../manager/scheduling/estimates.js'
import { functionEntry } from '../../../protocol/function-table.js'
import { ChildSlot } from '../../../node-agent/child-slot.js'
import {
  fillChild,
  planSiblingReclaims,
  planStealReclaims,
  reclaimView,
  type ChildReclaimView,
} from '../../../node-agent/child-window.js'
import { PoolQueue } from '../../../node-agent/pool-queue.js'
import type { PoolTask } from '../../../node-agent/pool-task.js'

const fn = functionEntry({ kind: 'source', source: '(ms) => ms' })
const bytes = new Uint8Array(0)

function task(id: string): PoolTask {
  return { id, attempt: 1, fn, timeout: 0, bytes, start: 0, end: 0 }
}

function child(overrides: Partial<ChildReclaimView> & { index: number }): ChildReclaimView {
  return {
    takesWork: true,
    heldCount: 0,
    unstarted: 0,
    unstartedMeanMs: 0,
    reclaimPending: 0,
    reclaimForSibling: false,
    ...overrides,
  }
}

const busy = (index: number, unstarted: number, meanMs: number): ChildReclaimView =>
  child({ index, heldCount: unstarted + 1, unstarted, unstartedMeanMs: meanMs })

describe('planSiblingReclaims', () => {
  it('asks a busy child for one waiting task per idle sibling when nothing is queued here', () => {
    expect(planSiblingReclaims([busy(0, 3, 10), child({ index: 1 }), child({ index: 2 })], 0)).toEqual([
      { index: 0, count: 2 },
    ])
  })

  it('asks nothing while the agent still has queued work, or when no child idles', () => {
    expect(planSiblingReclaims([busy(0, 3, 10), child({ index: 1 })], 1)).toEqual([])
    expect(planSiblingReclaims([busy(0, 3, 10), busy(1, 0, 0)], 0)).toEqual([])
  })

  it('leaves trivial waiting tasks where they are (they finish sooner than a round trip), but moves unmeasured ones', () => {
    expect(planSiblingReclaims([busy(0, 50, 0.05), child({ index: 1 })], 0)).toEqual([])
    expect(planSiblingReclaims([busy(0, 1, Infinity), child({ index: 1 })], 0)).toEqual([{ index: 0, count: 1 }])
  })

  it('counts tasks already coming to siblings, never asks a child twice, and skips children that take no work', () => {
    const pending = child({
      index: 0,
      heldCount: 3,
      unstarted: 2,
      unstartedMeanMs: 10,
      reclaimPending: 1,
      reclaimForSibling: true,
    })
    expect(planSiblingReclaims([pending, busy(1, 2, 10), child({ index: 2 })], 0)).toEqual([])
    expect(planSiblingReclaims([busy(0, 2, 10), child({ index: 1, takesWork: false })], 0)).toEqual([])
  })

  it('takes from the child richest in waiting work first', () => {
    expect(
      planSiblingReclaims(
        [busy(0, 1, 10), busy(1, 2, 50), child({ index: 2 }), child({ index: 3 }), child({ index: 4 })],
        0,
      ),
    ).toEqual([
      { index: 1, count: 2 },
      { index: 0, count: 1 },
    ])
  })
})

describe('planStealReclaims', () => {
  it('asks children for what the manager wants, richest first, at most their waiting tasks', () => {
    expect(planStealReclaims([busy(0, 1, 5), busy(1, 3, 5), child({ index: 2 })], 3)).toEqual([{ index: 1, count: 3 }])
    expect(planStealReclaims([busy(0, 1, 5), busy(1, 3, 5)], 10)).toEqual([
      { index: 1, count: 3 },
      { index: 0, count: 1 },
    ])
  })

  it('asks no child that holds only its running task, or is already asked', () => {
    const asked = child({ index: 1, heldCount: 3, unstarted: 2, unstartedMeanMs: 5, reclaimPending: 2 })
    expect(planStealReclaims([busy(0, 0, 0), asked], 2)).toEqual([])
  })
})

describe('fillChild', () => {
  it('gives an idle child one unmeasured task, and nothing more while it runs', () => {
    const slot = new ChildSlot(0)
    const queue = new PoolQueue()
    for (const id of ['a', 'b', 'c']) queue.push(task(id))
    const times = new FunctionRunTimes()
    expect(fillChild(slot, queue, times, Infinity).map((each) => each.id)).toEqual(['a'])
    expect(fillChild(slot, queue, times, Infinity)).toEqual([])
    expect(queue.size).toBe(2)
  })

  it('queues one moderate measured task behind the running one, and the reclaim view counts it as not started', () => {
    const slot = new ChildSlot(0)
    const queue = new PoolQueue()
    for (const id of ['a', 'b', 'c']) queue.push(task(id))
    const times = new FunctionRunTimes()
    for (let i = 0; i < 5; i++) times.record(fn.key, 10)
    expect(fillChild(slot, queue, times, Infinity).map((each) => each.id)).toEqual(['a', 'b'])
    expect(reclaimView(slot)).toMatchObject({ heldCount: 2, unstarted: 1, reclaimPending: 0 })
    expect(reclaimView(slot).unstartedMeanMs).toBeCloseTo(10, 0)
    expect(slot.release(['b']).map((each) => each.id)).toEqual(['b'])
    expect(slot.heldWork()).toMatchObject({ count: 1 })
  })

  it('keeps to the --max-requests limit', () => {
    const slot = new ChildSlot(0)
    const queue = new PoolQueue()
    for (const id of ['a', 'b', 'c']) queue.push(task(id))
    const times = new FunctionRunTimes()
    for (let i = 0; i < 5; i++) times.record(fn.key, 0.01)
    expect(fillChild(slot, queue, times, 2).map((each) => each.id)).toEqual(['a', 'b'])
  })
})
