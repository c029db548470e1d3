import type { TaskEntry } from './task-entry.js'

/**
 * The bytes of one incoming frame, shared by the tasks it carried. When only a small part of a
 * large frame is still waiting, the survivors are copied out so the rest can be freed.
 */
export interface SharedFrame {
  readonly bytes: Uint8Array
  readonly tasks: TaskEntry[]
  liveBytes: number
}

/** Frames smaller than this are never compacted (a small frame may as well stay). */
const COMPACT_MIN_FRAME_BYTES = 64 * 1024

/** The sharing record of an incoming frame, or null when the frame is too small to be worth compacting. */
export function sharedFrameOf(bytes: Uint8Array): SharedFrame | null {
  return bytes.byteLength >= COMPACT_MIN_FRAME_BYTES ? { bytes, tasks: [], liveBytes: 0 } : null
}

/** Records that `task` keeps a range of its frame alive. */
export function holdFrame(task: TaskEntry): void {
  const shared = task.shared
  if (shared === null) return
  shared.tasks.push(task)
  shared.liveBytes += task.end - task.start
}

/**
 * A task of a large shared frame is done. Once the tasks still waiting hold under a quarter of
 * the frame, they get their bytes copied out (one buffer for all of them) and the frame is freed.
 */
export function releaseFrame(task: TaskEntry): void {
  const shared = task.shared
  if (shared === null) return
  task.shared = null
  shared.liveBytes -= task.end - task.start
  if (shared.liveBytes * 4 >= shared.bytes.byteLength) return
  const survivors = shared.tasks.filter((other) => other.shared === shared)
  shared.tasks.length = 0
  if (survivors.length === 0) return
  const copy = Buffer.allocUnsafeSlow(shared.liveBytes)
  let at = 0
  for (const survivor of survivors) {
    const length = survivor.end - survivor.start
    copy.set(survivor.bytes.subarray(survivor.start, survivor.end), at)
    survivor.bytes = copy
    survivor.start = at
    survivor.end = at + length
    survivor.shared = null
    at += length
  }
}
