import { ArgonError } from './argon-error.js'
import type { ErrorCode } from './error-codes.js'

/**
 * How every command-line program (`argon …`, `argon manager`, `node-agent`) exits on a coded
 * error: one table, so a script can branch on the exit code as a program branches on `code`.
 * 1 is any failure; 2 a node-agent the manager turned away, which would be turned away again (a
 * supervisor must not restart it); 3 something named that does not exist; 4 a credential or
 * certificate refused.
 */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  QUEUE_FULL: 1,
  WORKER_LOST: 1,
  TASK_FAILED: 1,
  TASK_TIMEOUT: 1,
  CANCELLED: 1,
  UNAUTHORIZED: 4,
  BAD_REQUEST: 1,
  PAYLOAD_TOO_LARGE: 1,
  PROTOCOL_MISMATCH: 1,
  CONNECTION_FAILED: 1,
  NOT_FOUND: 3,
  SHUTTING_DOWN: 1,
  NAME_IN_USE: 2,
  TLS_MISMATCH: 4,
}

/** A node-agent refused at join, whatever the reason: restarting it would not help. */
export const EXIT_REFUSED = 2

/** The exit code for what a program failed with: its code's, or 1 for an error without one. */
export function exitCodeOf(error: unknown): number {
  return error instanceof ArgonError ? EXIT_CODES[error.code] : 1
}
