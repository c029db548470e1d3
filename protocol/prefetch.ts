/**
 * How many tasks a worker slot may hold at once (running + waiting next to it).
 *
 * Slow tasks get exactly one per slot, so a queue never forms behind a busy worker while another
 * is idle. Fast tasks get a deeper window, sized so the window holds about PREFETCH_HORIZON_MS of
 * work: a slot then never idles while its next task crosses the network. Shared by the manager
 * (tasks per node) and the agent (tasks per child) so both hops size their windows alike.
 */
export const PREFETCH_HORIZON_MS = 4
export const MAX_PREFETCH_PER_SLOT = 512

/** Tasks longer than this get no extra task waiting at their node: balance matters more. */
export const LONG_TASK_MS = 1000

/** @param avgTaskMs mean run time of a task on this worker; 0 or NaN when unknown. */
export function prefetchWindow(avgTaskMs: number): number {
  if (!(avgTaskMs > 0)) return 1
  return 1 + Math.min(MAX_PREFETCH_PER_SLOT - 1, Math.floor(PREFETCH_HORIZON_MS / avgTaskMs))
}

/**
 * Tasks per worker a node (and each of its children) may hold: the window above, plus one task
 * waiting next to the worker for tasks of known, moderate length, so a worker that finishes
 * starts its next task at once instead of idling for a round trip (10 ms tasks would otherwise
 * lose several percent of every worker).
 */
export function nodeWindowPerWorker(avgTaskMs: number): number {
  const base = prefetchWindow(avgTaskMs)
  return avgTaskMs > 0 && avgTaskMs < LONG_TASK_MS && base < MAX_PREFETCH_PER_SLOT ? base + 1 : base
}

/**
 * Tasks at least this long are never queued at a child behind a running one: in the agent's own
 * queue the first child to free up takes them, and a steal moves them without asking a child
 * (which answers a reclaim only between tasks). The child's gap between two such tasks (one
 * pipe hop from the agent's queue) costs under 1 % of them.
 */
export const CHILD_PREFETCH_MAX_MS = 20

/**
 * Taking back a waiting task is only worth a round trip for tasks at least this long (estimated),
 * ms: trivial ones finish sooner where they are. Used by the manager (steals from nodes) and the
 * agent (reclaims from children).
 */
export const STEAL_MIN_TASK_MS = 2

/** What a group of workers (a node, or one child) holds now, in estimated time. */
export interface HeldWork {
  /** Worker slots in the group (a node's workers; 1 for a child). */
  readonly slots: number
  /** Tasks held (running and waiting). */
  readonly count: number
  /** Estimated ms of the held tasks whose function has been measured. */
  readonly knownMs: number
  /** Held tasks whose function has not been measured yet. */
  readonly unknown: number
}

/**
 * Whether a group of workers may take one more task of `taskMs` (undefined: never measured).
 * The window is sized in time from the tasks actually held, not in task counts, so a long task
 * never has short ones queued behind it and a burst of trivial tasks never opens a deep window
 * for the long ones that follow:
 * - a free slot always takes a task (one task per worker is never too much);
 * - beyond that only measured tasks shorter than LONG_TASK_MS, and only while nothing unmeasured
 *   is held, up to a held total of `slots × (taskMs + waiting)`: about PREFETCH_HORIZON_MS of
 *   work waiting per worker for fast tasks; for moderate ones one task waiting per worker, and
 *   two for tasks under REFILL_MS (up to REFILL_MS of them), so the next task is at the node even
 *   when a refill from the manager takes longer than a task (see REFILL_MS).
 *
 * @example
 * ```ts
 * windowHasRoom({ slots: 2, count: 2, knownMs: 20, unknown: 0 }, 10)   // true: two waiting per worker
 * windowHasRoom({ slots: 2, count: 2, knownMs: 0, unknown: 2 }, 10)    // false: unmeasured work held
 * ```
 */
export function windowHasRoom(held: HeldWork, taskMs: number | undefined): boolean {
  return hasRoom(held, taskMs, nodeWaitingMs)
}

/**
 * The second task of a refill pair: whether a node that just took one task in this placement pass
 * (`held` includes it) may take one more beyond its window. It may when it was stocked before that
 * task — each worker had a task waiting (count ≥ 2 × slots) — and its window is now full. A stocked
 * node is so refilled at the same moment as before, with two tasks instead of one, and the next
 * finish needs no refill: half the refill frames, and the agent wake-ups they cost (with tasks
 * finishing one by one on every worker, half of the agent's work per task), while every worker
 * keeps at least the waiting work it had. Only windows of more than one waiting task per worker
 * (tasks under REFILL_MS) are ever stocked when they have room, so longer tasks never over-fill.
 *
 * @example
 * ```ts
 * // 2 workers, 10 ms tasks: the window holds 6; 5 were held, the refill made it 6 again.
 * refillPairHasRoom({ slots: 2, count: 6, knownMs: 60, unknown: 0 }, 10)   // true: a 7th goes with it
 * refillPairHasRoom({ slots: 2, count: 4, knownMs: 40, unknown: 0 }, 10)   // false: the window has room anyway
 * ```
 */
export function refillPairHasRoom(held: HeldWork, taskMs: number | undefined): boolean {
  return (
    taskMs !== undefined &&
    held.unknown === 0 &&
    taskMs < LONG_TASK_MS &&
    held.count - 1 >= 2 * held.slots &&
    !windowHasRoom(held, taskMs)
  )
}

/**
 * Work a node keeps waiting per worker for tasks of PREFETCH_HORIZON_MS or more: at least one task,
 * and up to REFILL_MS of them (two at most). Traced per task on a loaded 2-core machine (two
 * busy workers, manager and agent competing for the cores), the round trip that refills a worker
 * (agent → manager → agent) took over 10 ms for one task in four: with one 10 ms task waiting, the
 * worker then idled. The second waits in the agent's queue, where an idle child or a steal still
 * takes it without asking a child.
 */
export const REFILL_MS = 20

function nodeWaitingMs(unitMs: number): number {
  if (unitMs < PREFETCH_HORIZON_MS) return PREFETCH_HORIZON_MS
  return Math.max(unitMs, Math.min(REFILL_MS, 2 * unitMs))
}

function childWaitingMs(unitMs: number): number {
  return Math.max(PREFETCH_HORIZON_MS, unitMs)
}

function hasRoom(held: HeldWork, taskMs: number | undefined, waitingMs: (unitMs: number) => number): boolean {
  if (held.count < held.slots) return true
  if (taskMs === undefined || held.unknown > 0 || taskMs >= LONG_TASK_MS) return false
  if (held.count >= held.slots * MAX_PREFETCH_PER_SLOT) return false
  // Held tasks carry the estimate of when they were sent, and a function's estimate moves from run
  // to run: judged against its own slightly longer predecessors, a task would find no room about
  // half the time, and its worker would idle for a round trip. So the held tasks' mean counts as
  // this task's length when it is at most ESTIMATE_DRIFT above it, and half a task is tolerated.
  const heldMean = held.knownMs / held.count
  const unitMs = Math.max(taskMs, Math.min(heldMean, taskMs * ESTIMATE_DRIFT))
  return held.knownMs + taskMs <= held.slots * (unitMs + waitingMs(unitMs)) + unitMs / 2
}

/** How far above a task's current estimate the held tasks' mean may be and still count as the same length. */
const ESTIMATE_DRIFT = 1.25

/**
 * The child's rule (one slot): besides the running task, only fast measured tasks wait there,
 * about PREFETCH_HORIZON_MS of them, or one task shorter than CHILD_PREFETCH_MAX_MS.
 */
export function childHasRoom(held: HeldWork, taskMs: number | undefined): boolean {
  if (held.count === 0) return true
  if (taskMs === undefined || held.unknown > 0 || taskMs >= CHILD_PREFETCH_MAX_MS) return false
  // One task waiting in the child is enough: the agent refills it over a pipe, not a network hop.
  return hasRoom(held, taskMs, childWaitingMs)
}
