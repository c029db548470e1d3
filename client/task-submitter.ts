import { FlushScheduler, FunctionTable, PRIORITY_CODE, TaskFrameWriter, type WireError } from '../protocol/index.js'
import { ArgonError, restoreError } from '../protocol/argon-error.js'
import { encodeValue } from '../protocol/structured-bytes.js'
import { emitDirectClient } from '../protocol/direct-events.js'
import { NAMESPACES } from '../protocol/namespaces.js'
import { finishForPacket } from '../protocol/packet-codec.js'
import type { CallOptions } from './client-options.js'
import type { ClientSocket } from './client-connection.js'
import type { Call, PendingCalls, Submission } from './pending-calls.js'
import { retryDelay } from './retry-delay.js'
import { toFunctionEntry } from './task-function.js'

/** How often, and after how long, a QUEUE_FULL rejection is retried. */
export interface RetryPolicy {
  retries: number
  /** First delay, ms (doubles per retry, with jitter). */
  retryDelay: number
  /** Longest delay, ms. */
  maxRetryDelay: number
}

/**
 * A task as it will be sent under `id`, checked: its function as a table entry, its arguments encoded once
 * (at most `maxPayloadBytes`). Throws an ArgonError (BAD_REQUEST, PAYLOAD_TOO_LARGE) naming what is wrong.
 */
export function buildSubmission(
  id: string,
  fn: unknown,
  args: unknown[],
  options: CallOptions,
  maxPayloadBytes: number,
): Submission {
  const task = toFunctionEntry(fn)
  let bytes: Buffer
  try {
    bytes = encodeValue(args)
  } catch (error) {
    throw new ArgonError('BAD_REQUEST', `arguments cannot be serialized: ${(error as Error).message}`)
  }
  if (bytes.byteLength > maxPayloadBytes) {
    throw new ArgonError(
      'PAYLOAD_TOO_LARGE',
      `arguments are ${bytes.byteLength} bytes; the limit is ${maxPayloadBytes}`,
    )
  }
  if (options.priority !== undefined && !Object.hasOwn(PRIORITY_CODE, options.priority))
    throw new ArgonError('BAD_REQUEST', 'options.priority must be high, normal or low')
  const priority = PRIORITY_CODE[options.priority ?? 'normal']
  return { id, fn: task, args: bytes, priority, timeout: options.timeout ?? 0 }
}

/**
 * Tasks in the first frame of a burst of calls (a `map`): the manager starts placing them while
 * the rest are still being encoded here. Each next frame of the burst doubles (FlushScheduler).
 * Small enough that the first tasks leave within a fraction of a millisecond, large enough that a
 * burst of a thousand calls costs five frames, not one per task.
 */
export const FIRST_SUBMIT_FRAME_TASKS = 32

/**
 * Gets the calls' tasks to the manager: straight into the next `task:submit` frame (a function
 * crosses a connection once), again after a reconnect, and again after a QUEUE_FULL rejection,
 * with a growing, jittered delay.
 */
export class TaskSubmitter {
  readonly #socket: ClientSocket
  readonly #calls: PendingCalls
  readonly #retry: RetryPolicy
  /** Functions cross this connection once (a new connection starts a new table). */
  readonly #writer = new TaskFrameWriter(new FunctionTable())
  readonly #flush: FlushScheduler

  constructor(socket: ClientSocket, calls: PendingCalls, retry: RetryPolicy) {
    this.#socket = socket
    this.#calls = calls
    this.#retry = retry
    this.#flush = new FlushScheduler(
      () => {
        if (this.#writer.count === 0) return
        // Unsent tasks are resubmitted on the next connect; don't let Socket.IO buffer duplicates.
        if (this.#socket.connected)
          emitDirectClient(this.#socket, NAMESPACES.client, 'task:submit', finishForPacket(this.#writer))
        else this.#writer.discard()
      },
      { firstFrameItems: FIRST_SUBMIT_FRAME_TASKS },
    )
  }

  /** Adds the call's task to the next frame (while connected; otherwise it goes on the next connect). */
  send(call: Call): void {
    if (!this.#socket.connected) return
    const { id, fn, args, priority, timeout } = call.submission
    const writer = this.#writer
    this.#flush.beforeAdd(writer.payloadBytes, args.byteLength)
    writer.add(id, fn, 0, timeout, priority, args, 0, args.byteLength)
    this.#flush.added(writer.count, writer.payloadBytes)
  }

  /**
   * A (re)connect: sends every call not waiting for a retry. The manager ignores ids it still
   * holds and answers each id once.
   */
  sendAll(): void {
    for (const call of this.#calls.values()) if (call.retryTimer === null) this.send(call)
  }

  /** The link went down: the next connection starts a new function table; what was not sent goes then. */
  discard(): void {
    this.#writer.discard()
  }

  /** The manager answered the call with an error: QUEUE_FULL is retried after a growing delay, anything else fails the call. */
  rejected(call: Call, error: WireError): void {
    if (error.code === 'QUEUE_FULL' && call.retries < this.#retry.retries) {
      call.retries++
      const delay = retryDelay(call.retries, this.#retry.retryDelay, this.#retry.maxRetryDelay)
      call.retryTimer = setTimeout(() => {
        call.retryTimer = null
        if (this.#calls.has(call.submission.id)) this.send(call)
      }, delay)
      return
    }
    this.#calls.settleError(call, restoreError(error))
  }
}
