import { describe, expect, it } from 'vitest'
import { planSteals, type StealView } from '../../../manager/scheduling/stealing.js'

const view = (
  id: string,
  workers: number,
  assignedCount: number,
  heldMs: number,
  extra: Partial<StealView> = {},
): StealView => ({
  id,
  workers,
  assignedCount,
  heldMs,
  takesWork: true,
  canBeAsked: true,
  stealPending: 0,
  ...extra,
})

describe('planSteals', () => {
  it('asks a node holding more tasks than workers for as many as idle slots can start', () => {
    expect(planSteals([view('busy', 2, 6, 600), view('idle', 2, 0, 0)])).toEqual([{ nodeId: 'busy', count: 2 }])
    expect(planSteals([view('busy', 2, 3, 300), view('idle', 4, 0, 0)])).toEqual([{ nodeId: 'busy', count: 1 }])
  })

  it('steals nothing when no slot is free, when no node has tasks beyond its workers, or when the tasks are trivial', () => {
    expect(planSteals([view('a', 2, 6, 600), view('b', 2, 2, 200)])).toEqual([])
    expect(planSteals([view('a', 2, 2, 200), view('b', 2, 0, 0)])).toEqual([])
    expect(planSteals([view('a', 2, 400, 4), view('b', 2, 0, 0)])).toEqual([])
  })

  it('does not count an idle slot twice: tasks already being handed back are subtracted', () => {
    expect(
      planSteals([view('a', 2, 6, 600, { stealPending: 2 }), view('b', 2, 6, 600), view('idle', 2, 0, 0)]),
    ).toEqual([])
    expect(
      planSteals([view('a', 2, 6, 600, { stealPending: 1 }), view('b', 2, 6, 600), view('idle', 2, 0, 0)]),
    ).toEqual([{ nodeId: 'b', count: 1 }])
  })

  it('takes from the node with the most waiting work per worker first', () => {
    const plan = planSteals([view('light', 2, 3, 300), view('heavy', 2, 8, 8000), view('idle', 4, 0, 0)])
    expect(plan[0]).toEqual({ nodeId: 'heavy', count: 4 })
  })

  it('never asks a node that cannot be asked, and a drained node gives but does not take', () => {
    expect(planSteals([view('a', 2, 6, 600, { canBeAsked: false }), view('idle', 2, 0, 0)])).toEqual([])
    expect(planSteals([view('a', 2, 6, 600), view('drained', 2, 0, 0, { takesWork: false })])).toEqual([])
    expect(planSteals([view('drained', 2, 6, 600, { takesWork: false }), view('idle', 2, 0, 0)])).toEqual([
      { nodeId: 'drained', count: 2 },
    ])
  })
})
