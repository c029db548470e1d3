import { z } from 'zod'
import { ERROR_CODES, RETRYABLE_CODES, type ErrorCode } from './error-codes.js'
import { MAX_ERROR_MESSAGE_CHARS } from './limits.js'

/**
 * An error flattened to cross a socket (the Moleculer shape): made by `serializeError` and
 * rebuilt into the right class by `restoreError` (argon-error.ts).
 */
export const wireErrorSchema = z.object({
  name: z.string().max(200),
  message: z.string().max(MAX_ERROR_MESSAGE_CHARS),
  code: z.enum(ERROR_CODES),
  retryable: z.boolean(),
  stack: z.string().max(MAX_ERROR_MESSAGE_CHARS).optional(),
  /** Name of the node the error comes from, when it comes from a task run. */
  node: z.string().max(256).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
})

export type WireError = z.infer<typeof wireErrorSchema>

/**
 * A coded reply born on this side: what `serializeError(new ArgonError(code, message, extra))`
 * gives, without building an Error (rejections can come by the thousand).
 */
export function wireError(
  code: ErrorCode,
  message: string,
  extra: Partial<Omit<WireError, 'code' | 'message'>> = {},
): WireError {
  return { name: 'ArgonError', retryable: RETRYABLE_CODES.has(code), ...extra, code, message }
}

/** The reply of every acknowledged request: a value or a wire error. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: WireError }
