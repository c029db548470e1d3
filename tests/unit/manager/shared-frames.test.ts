import { describe, expect, it } from 'vitest'
import { arrivalOf, holdFrame, releaseFrame } from '../../../manager/dispatch/shared-frames.js'
import type { TaskEntry } from '../../../manager/dispatch/task-entry.js'
import { functionEntry } from '../../../protocol/function-table.js'

const fn = functionEntry({ kind: 'source', source: '(a) => a' })

/** Tasks of one frame `bytes`, whose argument ranges are `ranges`, accepted as the dispatcher does. */
function accept(bytes: Uint8Array, ranges: [number, number][]): TaskEntry[] {
  const {
    arrival,
    bytes: kept,
    shift,
  } = arrivalOf(
    bytes,
    ranges.map(([start, end]) => ({ start, end })),
  )
  return ranges.map(([start, end], i) => {
    const task: TaskEntry = {
      id: `t${i}`,
      clientId: 'c',
      fn,
      bytes: kept,
      start: start - shift,
      end: end - shift,
      arrival,
      queued: false,
      priority: 'normal',
      timeout: 0,
      attempts: 0,
      nodeId: null,
      run: null,
    }
    holdFrame(task)
    return task
  })
}

const argsOf = (task: TaskEntry) => [...task.bytes.subarray(task.start, task.end)]

describe('shared frames', () => {
  it('copies small arguments out of a large frame at once, so a queued task keeps only its own bytes', () => {
    const frame = new Uint8Array(100_000).map((_, i) => i % 256)
    // 1,000 tasks of 10 bytes at the end of the frame: the rest is ids, columns and offsets.
    const ranges = Array.from({ length: 1000 }, (_, i): [number, number] => [90_000 + i * 10, 90_010 + i * 10])
    const tasks = accept(frame, ranges)
    expect(tasks[0]!.bytes.buffer).not.toBe(frame.buffer)
    expect(tasks[0]!.bytes.byteLength).toBe(10_000)
    for (const [i, task] of tasks.entries()) expect(argsOf(task)).toEqual([...frame.subarray(...ranges[i]!)])
  })

  it('keeps a frame that is mostly arguments, and copies the survivors out once they hold under a quarter of it', () => {
    const frame = new Uint8Array(400_000).map((_, i) => (i * 7) % 256)
    const ranges = Array.from({ length: 5 }, (_, i): [number, number] => [i * 80_000, (i + 1) * 80_000])
    const tasks = accept(frame, ranges)
    expect(tasks.every((task) => task.bytes === frame)).toBe(true)
    for (const task of tasks.slice(0, 3)) releaseFrame(task)
    // Two tasks hold 160 KB of the 400 KB frame: it stays.
    expect(tasks[3]!.bytes).toBe(frame)
    releaseFrame(tasks[3]!)
    // The last one holds under a quarter: it gets a copy of its own, and the frame can go.
    expect(tasks[4]!.bytes).not.toBe(frame)
    expect(tasks[4]!.bytes.byteLength).toBe(80_000)
    expect(argsOf(tasks[4]!)).toEqual([...frame.subarray(320_000, 400_000)])
    // Releasing a task twice, or one whose bytes were copied, changes nothing.
    releaseFrame(tasks[0]!)
    releaseFrame(tasks[4]!)
    expect(tasks[4]!.arrival.bytes).toBeNull()
  })

  it('leaves a small frame as it is', () => {
    const frame = new Uint8Array(1000)
    const tasks = accept(frame, [[900, 910]])
    expect(tasks[0]!.bytes).toBe(frame)
    expect(tasks[0]!.arrival.bytes).toBeNull()
  })
})
