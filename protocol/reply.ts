import { z } from 'zod'
import { ArgonError, restoreError } from './argon-error.js'
import { cutText } from './log-text.js'
import { wireErrorSchema, type Reply } from './wire-error.js'

/** The schema of a Reply whose value has schema `value`. */
export function replySchema<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: wireErrorSchema }),
  ])
}

/**
 * The value of an acknowledged request's reply, checked against its schema (the other end may not
 * be ours): a refusal is restored and thrown as its ArgonError, a reply that cannot be read throws
 * BAD_REQUEST.
 *
 * @example
 * ```ts
 * const status = valueOfReply(clusterStatusSchema, await socket.emitWithAck('cluster:status'))
 * ```
 */
export function valueOfReply<T extends z.ZodType>(schema: T, reply: unknown): z.infer<T> {
  const parsed = replySchema(schema).safeParse(reply)
  if (!parsed.success)
    throw new ArgonError('BAD_REQUEST', `the reply cannot be read: ${cutText(parsed.error.issues[0]?.message ?? '')}`)
  // zod cannot narrow a union over a generic schema; the parse above has checked this shape.
  const checked = parsed.data as Reply<z.infer<T>>
  if (!checked.ok) throw restoreError(checked.error)
  return checked.value
}
