import {
  STATUS_OK,
  clientOutputBatchSchema,
  cutText,
  jobCancelOrderSchema,
  outcomeError,
  readOutcomeFrame,
} from '../protocol/index.js'
import { ArgonError } from '../protocol/argon-error.js'
import { onDirectClientEvent } from '../protocol/direct-events.js'
import { NAMESPACES } from '../protocol/namespaces.js'
import { decodeValueRange } from '../protocol/structured-bytes.js'
import type { ClientSocket } from './client-connection.js'
import type { JobReports } from './job-reports.js'
import type { OutputDelivery } from './output-printer.js'
import type { PendingCalls } from './pending-calls.js'
import type { TaskSubmitter } from './task-submitter.js'

/** What the manager's events reach on the client's side. */
export interface ManagerEventTargets {
  calls: PendingCalls
  submitter: TaskSubmitter
  output: OutputDelivery
  jobs: JobReports
}

/**
 * Handles what the manager sends a client: task answers (`task:settled`), task output, an
 * operator's job cancellation, and frames it rejected. Every frame is checked before use.
 */
export function listenToManager(socket: ClientSocket, targets: ManagerEventTargets): void {
  const { calls, output, jobs } = targets
  onDirectClientEvent(socket, NAMESPACES.client, 'task:settled', (frame) => settleAnswers(frame, targets))
  socket.on('task:output', (input: unknown) => {
    const chunks = clientOutputBatchSchema.safeParse(input)
    if (!chunks.success) return
    output.deliver(chunks.data)
  })
  socket.on('job:cancel', (order: unknown) => {
    const parsed = jobCancelOrderSchema.safeParse(order)
    const job = parsed.success ? jobs.get(parsed.data.key) : undefined
    if (job !== undefined) calls.cancelJob(job, 'by an operator')
  })
  socket.on('request:rejected', (error) => {
    // A frame the manager could not read at all: nothing to retry, but worth seeing.
    process.emitWarning(`argon manager rejected a frame: ${String(error?.code)}: ${cutText(String(error?.message))}`)
  })
}

/** One answer frame: each waiting call it names resolves with its value or gets its error. */
function settleAnswers(input: unknown, { calls, submitter }: ManagerEventTargets): void {
  const frame = readOutcomeFrame(input)
  if (!frame.ok) {
    // Never dropped silently: every call whose id can be read fails with the reason.
    process.emitWarning(`argon: an answer frame from the manager could not be read: ${cutText(frame.message)}`)
    for (const id of frame.ids) {
      const call = calls.get(id)
      if (call)
        calls.settleError(
          call,
          new ArgonError('BAD_REQUEST', `the manager sent an answer that cannot be read: ${cutText(frame.message)}`),
        )
    }
    return
  }
  const { ids, status, bytes, offsets } = frame
  for (let i = 0; i < frame.count; i++) {
    const call = calls.get(ids[i]!)
    if (!call) continue // already answered (a duplicate after a reconnect)
    if (status[i] === STATUS_OK) {
      let value: unknown
      try {
        value = decodeValueRange(bytes, offsets[i]!, offsets[i + 1]!)
      } catch (error) {
        calls.settleError(call, new ArgonError('BAD_REQUEST', `result cannot be read: ${(error as Error).message}`))
        continue
      }
      calls.settleValue(call, value)
      continue
    }
    const error = outcomeError(frame, i)
    if (error === undefined)
      calls.settleError(
        call,
        new ArgonError('BAD_REQUEST', `the error of task ${call.submission.id} could not be read`),
      )
    else submitter.rejected(call, error)
  }
}
