import { describe, expect, it } from 'vitest'
import { FrameBatcher, FunctionRegistry, readTaskFrame, type CancelRequest } from '../../../protocol/index.js'
import { JobReports } from '../../../client/job-reports.js'
import { OutputDelivery } from '../../../client/output-printer.js'
import { PendingCalls, type Call } from '../../../client/pending-calls.js'
import type { ClientSocket } from '../../../client/client-connection.js'
import { FIRST_SUBMIT_FRAME_TASKS, TaskSubmitter, buildSubmission } from '../../../client/task-submitter.js'

/** A connected socket without an engine: every frame goes through `emit`, which records it. */
function recordingSocket() {
  const frames: Uint8Array[] = []
  const socket = {
    connected: true,
    io: { engine: undefined },
    emit: (event: string, frame: Uint8Array) => {
      if (event === 'task:submit') frames.push(frame)
      return true
    },
  }
  return { socket: socket as unknown as ClientSocket, frames }
}

function submitter(socket: ClientSocket) {
  const cancels = new FrameBatcher<CancelRequest>(() => undefined)
  const calls = new PendingCalls(
    new JobReports({ connected: false, send: () => undefined }),
    new OutputDelivery('ignore'),
    cancels,
  )
  return new TaskSubmitter(socket, calls, { retries: 0, retryDelay: 10, maxRetryDelay: 10 })
}

const call = (id: string): Call => ({
  submission: buildSubmission(id, (x: number) => x + 1, [1], {}, 1024),
  resolve: () => undefined,
  reject: () => undefined,
  retries: 0,
  retryTimer: null,
  timeoutTimer: null,
  signal: undefined,
  onAbort: null,
  job: null,
  id,
})

describe('TaskSubmitter', () => {
  it('sends a burst of calls in growing frames as it is made, every task once and in order', async () => {
    const { socket, frames } = recordingSocket()
    const tasks = submitter(socket)
    const registry = new FunctionRegistry()
    const ids = Array.from({ length: 1000 }, (_, i) => `call-${i}`)
    for (const id of ids) tasks.send(call(id))
    // The first frames left while the burst was still being made: the manager can start on them.
    expect(frames.length).toBeGreaterThan(0)
    await Promise.resolve()
    const read = frames.map((frame) => readTaskFrame(frame, registry))
    const sizes = read.map((frame) => (frame.ok ? frame.count : -1))
    // 32, 64, 128, 256, 512, and the last 8 at the microtask.
    const expected: number[] = []
    for (let left = ids.length, size = FIRST_SUBMIT_FRAME_TASKS; left > 0; size *= 2) {
      expected.push(Math.min(size, left))
      left -= size
    }
    expect(sizes).toEqual(expected)
    expect(sizes.length).toBeGreaterThan(1)
    expect(read.flatMap((frame) => (frame.ok ? frame.ids : []))).toEqual(ids)
  })

  it('sends a lone call in a frame of its own at the microtask', async () => {
    const { socket, frames } = recordingSocket()
    submitter(socket).send(call('alone'))
    expect(frames).toHaveLength(0)
    await Promise.resolve()
    expect(frames).toHaveLength(1)
  })
})
