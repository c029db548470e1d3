/** Every stable error code that crosses the wire or is thrown by the client library. */
export const ERROR_CODES = [
  'QUEUE_FULL',
  'WORKER_LOST',
  'TASK_FAILED',
  'TASK_TIMEOUT',
  'CANCELLED',
  'UNAUTHORIZED',
  'BAD_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'PROTOCOL_MISMATCH',
  'CONNECTION_FAILED',
  'NOT_FOUND',
  'SHUTTING_DOWN',
  /** An agent asked for a node name (`--name`) that a connected node already holds. */
  'NAME_IN_USE',
  'TLS_MISMATCH',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

/** Codes a caller may retry without changing its request. */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'QUEUE_FULL',
  'WORKER_LOST',
  'CONNECTION_FAILED',
  'SHUTTING_DOWN',
])

/** Whether a string from outside (a connect error's data, a log line) is one of the codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return (ERROR_CODES as readonly unknown[]).includes(value)
}
