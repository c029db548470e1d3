/**
 * The task functions every system runs. All three systems receive them the same way: as source
 * text, compiled once by the worker and then called with the arguments.
 */

/** W1: the smallest possible task, so what is measured is the system around it. */
export const add = (x: number, y: number): number => x + y

/**
 * W2: busy-loops until 10 ms of wall time have passed on the worker. `performance.now()` rather
 * than `Date.now()` because a millisecond clock would make runs anywhere between 9 and 10 ms.
 * It returns where and when it ran (pid, start and end as epoch milliseconds with sub-millisecond
 * precision), so the bench can tell how long each worker sat idle between two tasks.
 */
export const cpu10ms = (): [number, number, number] => {
  const start = performance.now()
  while (performance.now() - start < 10);
  return [process.pid, performance.timeOrigin + start, performance.timeOrigin + performance.now()]
}

/**
 * W4: large payloads both ways. Returns a new string as long as its argument (rotated by one
 * character), so the result really has to cross every hop back.
 */
export const rotate = (text: string): string => text.slice(1) + text.charAt(0)

/** What one W2 task reports: `[pid, startEpochMs, endEpochMs]`. */
export type CpuSample = [pid: number, start: number, end: number]

/** The nominal CPU time of one W2 task, used for the efficiency figure. */
export const CPU_TASK_MS = 10

export const ADD_SOURCE = add.toString()
export const CPU_SOURCE = cpu10ms.toString()
export const ROTATE_SOURCE = rotate.toString()
