/**
 * One outcome on a child's frame pipe (kind PIPE_OUTCOME). A child sends each outcome before its
 * next task starts (task-line.ts), so its messages up carry one outcome each: a batch frame's
 * sections, columns and offsets would be all overhead there. The layout is fixed:
 *
 * ```
 * u8 status (STATUS_OK | STATUS_ERROR) · f64 ms (little-endian) · u8 id length · id (Latin-1)
 * payload: the result's bytes, or the task's WireError as JSON
 * ```
 *
 * The agent reads it with a few field reads; the id it answers need not be checked for form, as
 * only the id of the task the agent holds first is accepted (child-outcomes.ts).
 */
import { MAX_TASK_ID_CHARS, STATUS_ERROR, STATUS_OK } from '../protocol/frame-layout.js'
import type { WireError } from '../protocol/wire-error.js'
import { PIPE_HEADROOM, PIPE_OUTCOME } from './child-frames.js'

/** Bytes ahead of the id: status, ms and the id's length. */
const FIXED_BYTES = 10

/** What a child reports of one task. */
export type ChildOutcome =
  { id: string; ok: true; result: Uint8Array; ms: number } | { id: string; ok: false; error: WireError; ms: number }

/** An outcome message read back: its result or error JSON is `bytes[start .. end)`. */
export interface OutcomeMessage {
  id: string
  status: number
  ms: number
  bytes: Buffer
  start: number
  end: number
}

/**
 * The outcomes as pipe messages, each behind its length and kind, in one buffer: one write sends
 * them all.
 *
 * @example
 * ```ts
 * pipe.write(outcomeMessages([{ id: 't1', ok: true, result: encodeValue(3), ms: 0.2 }]))
 * ```
 * @throws TypeError for an id of more than MAX_TASK_ID_CHARS characters (a child only answers ids
 *   its agent sent, which are shorter).
 */
export function outcomeMessages(outcomes: readonly ChildOutcome[]): Buffer {
  const payloads: Uint8Array[] = []
  let total = 0
  for (const outcome of outcomes) {
    if (outcome.id.length > MAX_TASK_ID_CHARS) throw new TypeError(`task id of ${outcome.id.length} characters`)
    const payload = outcome.ok ? outcome.result : Buffer.from(JSON.stringify(outcome.error))
    payloads.push(payload)
    total += PIPE_HEADROOM + FIXED_BYTES + outcome.id.length + payload.byteLength
  }
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for (let i = 0; i < outcomes.length; i++) {
    const { id, ok, ms } = outcomes[i]!
    const payload = payloads[i]!
    const bodyBytes = FIXED_BYTES + id.length + payload.byteLength
    // The pipe header (child-frames.ts): its length counts the kind byte and the body.
    out.writeUInt32LE(bodyBytes + 1, at)
    out[at + 4] = PIPE_OUTCOME
    at += PIPE_HEADROOM
    out[at] = ok ? STATUS_OK : STATUS_ERROR
    out.writeDoubleLE(ms, at + 1)
    out[at + 9] = id.length
    out.write(id, at + FIXED_BYTES, 'latin1')
    at += FIXED_BYTES + id.length
    out.set(payload, at)
    at += payload.byteLength
  }
  return out
}

/** Reads one outcome message (without its pipe header); a string says why it cannot be read. */
export function readOutcomeMessage(bytes: Buffer): OutcomeMessage | string {
  if (bytes.length < FIXED_BYTES + 1)
    return `an outcome message has at least ${FIXED_BYTES + 1} bytes; got ${bytes.length}`
  const status = bytes[0]!
  if (status !== STATUS_OK && status !== STATUS_ERROR) return `bad outcome status ${status}`
  const ms = bytes.readDoubleLE(1)
  // Infinity would pass `>= 0` and poison every run-time mean it reaches; NaN fails both tests.
  if (!Number.isFinite(ms) || ms < 0) return 'bad run time'
  const idLength = bytes[9]!
  const start = FIXED_BYTES + idLength
  if (idLength < 1 || idLength > MAX_TASK_ID_CHARS || start > bytes.length)
    return `bad task id length ${idLength} in a ${bytes.length}-byte message`
  const id = bytes.toString('latin1', FIXED_BYTES, start)
  return { id, status, ms, bytes, start, end: bytes.length }
}
