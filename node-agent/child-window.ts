/**
 * What goes to which child, decided without processes: each child's window is filled from the
 * agent's queue, sized in time from the tasks it holds; and when a child idles with nothing left
 * queued here, or the manager steals, tasks a child holds but has not started are reclaimed.
 */
import { childHasRoom, STEAL_MIN_TASK_MS } from '../protocol/index.js'
import type { FunctionRunTimes } from '../manager/scheduling/estimates.js'
import type { ChildSlot } from './child-slot.js'
import type { PoolQueue } from './pool-queue.js'
import type { PoolTask } from './pool-task.js'

/**
 * Moves tasks from the head of `queue` to `slot` while its window has room (at most `limit`),
 * and returns them, to be sent to the child in one frame. Fast tasks queue at the child (no idle
 * gap between them); longer or unmeasured ones wait in the agent's queue.
 */
export function fillChild(slot: ChildSlot, queue: PoolQueue, runTimes: FunctionRunTimes, limit: number): PoolTask[] {
  const batch: PoolTask[] = []
  const held = { ...slot.heldWork() }
  while (batch.length < limit && queue.size > 0) {
    const task = queue.peek()!
    const expected = runTimes.expected(task.fn.key)
    if (!childHasRoom(held, expected)) break
    queue.shift()
    batch.push(task)
    slot.hold(task, expected)
    held.count++
    if (expected === undefined) held.unknown++
    else held.knownMs += expected
  }
  return batch
}

/** What the reclaim decisions see of a child. */
export interface ChildReclaimView {
  readonly index: number
  /** Started, not leaving, not being killed. */
  readonly takesWork: boolean
  /** Tasks it holds (running and waiting). */
  readonly heldCount: number
  /** Held tasks that may not have started (all but the first). */
  readonly unstarted: number
  /** Their mean estimate, ms (Infinity when one is unmeasured). */
  readonly unstartedMeanMs: number
  /** Tasks asked back from it and not answered yet (0: no reclaim pending). */
  readonly reclaimPending: number
  /** Whether that pending reclaim is for an idle sibling (its tasks will come here). */
  readonly reclaimForSibling: boolean
}

export interface ReclaimRequest {
  readonly index: number
  readonly count: number
}

export function reclaimView(slot: ChildSlot): ChildReclaimView {
  return {
    index: slot.index,
    takesWork: slot.takesWork,
    heldCount: slot.held.length,
    unstarted: slot.unstarted,
    unstartedMeanMs: slot.unstartedMeanMs(),
    reclaimPending: slot.reclaim?.count ?? 0,
    reclaimForSibling: slot.reclaim?.for === 'sibling',
  }
}

/** Victims richest in waiting work first; none with a reclaim already pending. */
function victims(children: readonly ChildReclaimView[], minMeanMs: number): ChildReclaimView[] {
  return children
    .filter((child) => child.reclaimPending === 0 && child.unstarted > 0 && child.unstartedMeanMs >= minMeanMs)
    .sort((a, b) => b.unstarted * b.unstartedMeanMs - a.unstarted * a.unstartedMeanMs || b.unstarted - a.unstarted)
}

/**
 * Reclaims for idle children: with nothing queued at the agent, each child that takes work and
 * holds nothing may get one task that another child holds but has not started. Tasks already
 * being reclaimed for siblings count against the idle ones; trivial tasks stay where they are.
 *
 * @example
 * ```ts
 * planSiblingReclaims([
 *   { index: 0, takesWork: true, heldCount: 3, unstarted: 2, unstartedMeanMs: 10, reclaimPending: 0, reclaimForSibling: false },
 *   { index: 1, takesWork: true, heldCount: 0, unstarted: 0, unstartedMeanMs: 0, reclaimPending: 0, reclaimForSibling: false },
 * ], 0)   // [{ index: 0, count: 1 }]
 * ```
 */
export function planSiblingReclaims(children: readonly ChildReclaimView[], queued: number): ReclaimRequest[] {
  if (queued > 0) return []
  let free = 0
  for (const child of children) {
    if (child.takesWork && child.heldCount === 0) free++
    if (child.reclaimForSibling) free -= child.reclaimPending
  }
  const requests: ReclaimRequest[] = []
  for (const victim of victims(children, STEAL_MIN_TASK_MS)) {
    if (free <= 0) break
    const count = Math.min(free, victim.unstarted)
    requests.push({ index: victim.index, count })
    free -= count
  }
  return requests
}

/**
 * Reclaims for a steal by the manager: up to `count` tasks that children hold but have not
 * started, from the children richest in waiting work first (the manager judged them worth moving).
 */
export function planStealReclaims(children: readonly ChildReclaimView[], count: number): ReclaimRequest[] {
  const requests: ReclaimRequest[] = []
  let wanted = count
  for (const victim of victims(children, 0)) {
    if (wanted <= 0) break
    const take = Math.min(wanted, victim.unstarted)
    requests.push({ index: victim.index, count: take })
    wanted -= take
  }
  return requests
}
