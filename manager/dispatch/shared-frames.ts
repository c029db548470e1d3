import type { TaskEntry } from './task-entry.js'

/**
 * What the tasks of one incoming frame share: when they arrived, and (for a large frame) the
 * frame's bytes, which they keep ranges of. When only a small part of a large frame is still
 * held, the survivors are copied out so the rest can be freed.
 */
export interface Arrival {
  /** performance.now() when the frame arrived (latency is measured from here). */
  readonly at: number
  /** The shared bytes of a large frame, until its survivors are copied out; null for a small one. */
  bytes: Uint8Array | null
  tasks: TaskEntry[]
  liveBytes: number
}

/** Frames smaller than this are never compacted (a small frame may as well stay). */
const COMPACT_MIN_FRAME_BYTES = 64 * 1024

const RELEASED = new Uint8Array(0)

/**
 * The arrival record of an incoming frame. A large frame whose tasks' bytes fill under half of it
 * (ids, columns and offsets are the rest) has those bytes copied out at once into one buffer,
 * and `frame.start/end` of each task rebased: a queued task then keeps only its own bytes alive.
 * Returns the buffer the tasks' ranges now refer to.
 */
export function arrivalOf(
  bytes: Uint8Array,
  tasks: readonly { start: number; end: number }[],
): { arrival: Arrival; bytes: Uint8Array; shift: number } {
  const at = performance.now()
  if (bytes.byteLength < COMPACT_MIN_FRAME_BYTES || tasks.length === 0)
    return { arrival: { at, bytes: null, tasks: [], liveBytes: 0 }, bytes, shift: 0 }
  let first = tasks[0]!.start
  let last = tasks[0]!.end
  for (const task of tasks) {
    if (task.start < first) first = task.start
    if (task.end > last) last = task.end
  }
  if ((last - first) * 2 < bytes.byteLength) {
    // The payload is adjacent in the frame: one copy keeps it and frees everything else.
    const copy = Buffer.from(bytes.subarray(first, last))
    return { arrival: { at, bytes: null, tasks: [], liveBytes: 0 }, bytes: copy, shift: first }
  }
  return { arrival: { at, bytes, tasks: [], liveBytes: 0 }, bytes, shift: 0 }
}

/** Records that `task` keeps a range of its arrival's frame alive. */
export function holdFrame(task: TaskEntry): void {
  const arrival = task.arrival
  if (arrival.bytes === null) return
  arrival.tasks.push(task)
  arrival.liveBytes += task.end - task.start
}

/**
 * A task is done. Once the tasks of a large frame still held keep under a quarter of it alive,
 * they get their bytes copied out (one buffer for all of them) and the frame is freed.
 */
export function releaseFrame(task: TaskEntry): void {
  const arrival = task.arrival
  const shared = arrival.bytes
  if (shared === null || task.bytes !== shared) return
  task.bytes = RELEASED
  arrival.liveBytes -= task.end - task.start
  if (arrival.liveBytes * 4 >= shared.byteLength) return
  const survivors = arrival.tasks.filter((other) => other.bytes === shared)
  arrival.tasks = []
  arrival.bytes = null
  if (survivors.length === 0) return
  const copy = Buffer.allocUnsafeSlow(arrival.liveBytes)
  let at = 0
  for (const survivor of survivors) {
    const length = survivor.end - survivor.start
    copy.set(survivor.bytes.subarray(survivor.start, survivor.end), at)
    survivor.bytes = copy
    survivor.start = at
    survivor.end = at + length
    at += length
  }
}
