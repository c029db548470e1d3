import type { Dispatcher } from './dispatcher.js'

/**
 * Sweeps for nodes silent past the timeout. A sweep that itself runs late means this process was
 * stalled (not the nodes), so it waits for fresh news from them instead of declaring all lost.
 * Returns the timer (unref'd); clear it to stop.
 */
export function watchSilentNodes(
  dispatcher: Dispatcher,
  timeoutMs: number,
  onLost: (name: string, reason: string) => void,
): NodeJS.Timeout {
  const every = Math.min(1000, timeoutMs / 4)
  let last = Date.now()
  const timer = setInterval(() => {
    const now = Date.now()
    const late = now - last > every + timeoutMs / 2
    last = now
    if (late) return
    for (const { name, reason } of dispatcher.sweepSilentNodes(timeoutMs)) onLost(name, reason)
  }, every)
  timer.unref()
  return timer
}
