import { z } from 'zod'
import { MAX_BATCH_ITEMS } from './limits.js'
import { taskIdSchema } from './task.js'
import { wireError, type WireError } from './wire-error.js'

export interface BatchRejection {
  /** The item's id when it had a readable one, so its sender can be answered. */
  id?: string
  error: WireError
}

export interface ParsedBatch<T> {
  valid: T[]
  rejected: BatchRejection[]
}

/**
 * Reads a batch frame item by item, so one bad item is answered with `BAD_REQUEST` and the
 * rest of the batch still runs. A frame that is not an array of at most MAX_BATCH_ITEMS items
 * is rejected whole.
 */
export function parseBatch<T>(schema: z.ZodType<T>, frame: unknown): ParsedBatch<T> {
  if (!Array.isArray(frame) || frame.length === 0 || frame.length > MAX_BATCH_ITEMS) {
    return {
      valid: [],
      rejected: [{ error: wireError('BAD_REQUEST', `a batch must be an array of 1..${MAX_BATCH_ITEMS} items`) }],
    }
  }
  const valid: T[] = []
  const rejected: BatchRejection[] = []
  for (const item of frame) {
    const parsed = schema.safeParse(item)
    if (parsed.success) {
      valid.push(parsed.data)
    } else {
      const id = readableId(item)
      rejected.push({ id, error: wireError('BAD_REQUEST', describeIssues(parsed.error)) })
    }
  }
  return { valid, rejected }
}

/** The id of a rejected item, when it is one a task could have (so its sender can be answered). */
function readableId(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined
  const id = (item as { id?: unknown }).id
  return taskIdSchema.safeParse(id).success ? (id as string) : undefined
}

/** Reads a single-message frame; returns the value or a BAD_REQUEST wire error. */
export function parseMessage<T>(
  schema: z.ZodType<T>,
  frame: unknown,
): { ok: true; value: T } | { ok: false; error: WireError } {
  const parsed = schema.safeParse(frame)
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, error: wireError('BAD_REQUEST', describeIssues(parsed.error)) }
}

/** One line naming the first few offending fields. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(message)'}: ${issue.message}`)
    .join('; ')
}
