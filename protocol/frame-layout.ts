/**
 * The byte layout of a batch frame, shared by its writers (frame-writers.ts) and readers
 * (frame-readers.ts):
 *
 * ```
 * header (32 bytes, little-endian)
 *   u32 magic 'AGF1' · u8 kind · u8 flags · u16 0 · u32 count
 *   u32 defsBytes · u32 idsBytes · u32 namesBytes · u32 payloadBytes · u32 0
 * defs     UTF-8 JSON [[fnId, TaskFunction], …]: functions new on this link (usually empty)
 * ids      Latin-1: the task ids joined by '\n' (ids are printable ASCII)
 * names    UTF-8 JSON [name, …]: node names referenced by an outcome frame's node column
 * columns  per task, each `count` wide: tasks: u32 fn · u32 attempt · u32 timeout · u8 priority
 *                                      outcomes: u32 attempt · f64 ms · u8 status · u16 node
 * offsets  u32 × (count + 1) into the payload, starting at 0, never decreasing, ending at payloadBytes
 * payload  the tasks' argument bytes (or results; an error outcome carries its WireError as JSON)
 * ```
 *
 * Columns are written and read value by value (no alignment needed, no typed array per frame).
 */
import type { Priority } from './task.js'

export const FRAME_MAGIC = 0x31464741
export const HEADER_BYTES = 32
export const KIND_TASKS = 1
export const KIND_OUTCOMES = 2
export const FLAG_RESET = 1
/** Column bytes per task: fn, attempt, timeout (u32) and priority (u8). */
export const TASK_COLUMN_BYTES = 13
/** Column bytes per outcome: attempt (u32), ms (f64), status (u8) and node (u16). */
export const OUTCOME_COLUMN_BYTES = 15

/** Longest task id. Ids are 1..128 printable ASCII characters (0x21..0x7e). */
export const MAX_TASK_ID_CHARS = 128
/** Matches a character that no id may hold ('\n' separates ids in a frame). */
export const ILL_FORMED_ID_TEXT = /[^\x21-\x7e\n]/
const WELL_FORMED_ID = /^[\x21-\x7e]{1,128}$/
/** Largest task timeout, ms (what a Node timer can hold). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1
/** Outcome status column. */
export const STATUS_OK = 0
export const STATUS_ERROR = 1
/** Node column value of an outcome with no node name. */
export const NO_NODE = 0xffff
export const MAX_NODE_NAMES = 0xfffe
/** Longest node name (UTF-16 code units, as `string.length` counts), as the node handshake allows. */
export const MAX_NODE_NAME_CHARS = 256

/** Why `name` cannot be a node's name (what the handshake and every frame accept), or undefined. */
export function nodeNameProblem(name: string): string | undefined {
  if (name.length >= 1 && name.length <= MAX_NODE_NAME_CHARS) return undefined
  return `a node name must be 1 to ${MAX_NODE_NAME_CHARS} characters; got ${name.length}`
}

/** Priority ⇄ the frame's priority byte. */
export const PRIORITY_CODE: Readonly<Record<Priority, number>> = { high: 0, normal: 1, low: 2 }
export const PRIORITY_COUNT = 3

/** True when `id` can travel in a frame. */
export function isWellFormedTaskId(id: string): boolean {
  return WELL_FORMED_ID.test(id)
}

/** The section lengths a header announces. */
export interface FrameSections {
  count: number
  defsBytes: number
  idsBytes: number
  namesBytes: number
  payloadBytes: number
}

/** Total bytes of a frame with these sections. */
export function frameLength(sections: FrameSections, columnBytes: number): number {
  const { count } = sections
  return (
    HEADER_BYTES +
    sections.defsBytes +
    sections.idsBytes +
    sections.namesBytes +
    count * columnBytes +
    4 * (count + 1) +
    sections.payloadBytes
  )
}

export function writeHeader(out: Buffer, kind: number, flags: number, sections: FrameSections): void {
  out.writeUInt32LE(FRAME_MAGIC, 0)
  out[4] = kind
  out[5] = flags
  out.writeUInt16LE(0, 6)
  out.writeUInt32LE(sections.count, 8)
  out.writeUInt32LE(sections.defsBytes, 12)
  out.writeUInt32LE(sections.idsBytes, 16)
  out.writeUInt32LE(sections.namesBytes, 20)
  out.writeUInt32LE(sections.payloadBytes, 24)
  out.writeUInt32LE(0, 28)
}
