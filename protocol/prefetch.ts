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
