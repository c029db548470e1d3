/**
 * The structural checks every batch frame passes before anything in it is used: header, section
 * lengths, ids, payload offsets. O(1) per task, no schema library (child processes load this
 * module, and start faster without one). A frame that fails is answered id by id: the ids are
 * read first, so every id that can be read gets its BAD_REQUEST.
 */
import { MAX_BATCH_ITEMS } from './limits.js'
import {
  FRAME_MAGIC,
  HEADER_BYTES,
  ILL_FORMED_ID_TEXT,
  MAX_TASK_ID_CHARS,
  frameLength,
  isWellFormedTaskId,
} from './frame-layout.js'

/** A frame that could not be read: why, and the ids that could still be read (each gets an answer). */
export interface UnreadableFrame {
  ok: false
  message: string
  ids: string[]
}

/** A frame that passed the structural checks. */
export interface FrameShape {
  ok: true
  bytes: Buffer
  /** A DataView of `bytes`, for reading its columns. */
  view: DataView
  flags: number
  count: number
  ids: string[]
  /** Where the defs section starts and its length (it starts right after the header). */
  defsBytes: number
  /** Where the names section starts, and its length. */
  namesAt: number
  namesBytes: number
  /** Where the columns start. */
  columns: number
  /** Absolute payload offsets into `bytes`: task i's bytes are `bytes[offsets[i] .. offsets[i + 1])`. */
  offsets: number[]
}

export function unreadable(message: string, ids: string[] = []): UnreadableFrame {
  return { ok: false, message, ids }
}

/** The ids of a broken frame that can still be answered. */
function readableIds(ids: string[]): string[] {
  return ids.filter(isWellFormedTaskId).slice(0, MAX_BATCH_ITEMS)
}

/** Bytes of an ids section that holds `count` ids of the longest length, joined by '\n'. */
function idsBytesFor(count: number): number {
  return count * (MAX_TASK_ID_CHARS + 1) - 1
}

/**
 * The ids section, or as much of it as `count + 1` ids and their '\n's could fill (`count` capped
 * at MAX_BATCH_ITEMS), and its pieces split at '\n', at most `count + 1` of them. What is decoded
 * and split is bounded by the header's count, never by the section's length, so a small count with
 * a 64 MB ids section costs no more than a frame of that many ids. Where the section was cut, a
 * last piece that no '\n' ends is dropped: it may be part of an id, not one to answer.
 */
function readIds(bytes: Buffer, at: number, idsBytes: number, count: number): { text: string; ids: string[] } {
  const pieces = Math.min(count, MAX_BATCH_ITEMS) + 1
  const readBytes = Math.min(idsBytes, pieces * (MAX_TASK_ID_CHARS + 1))
  if (readBytes === 0 || at + idsBytes > bytes.length) return { text: '', ids: [] }
  const text = bytes.toString('latin1', at, at + readBytes)
  const cut = readBytes < idsBytes
  // One id, no join: no array to split (the common frame of one task).
  if (pieces === 2 && !text.includes('\n')) return { text, ids: cut ? [] : [text] }
  const ids = text.split('\n', pieces)
  if (cut) {
    let end = ids.length - 1
    for (const id of ids) end += id.length
    if (end >= readBytes) ids.pop()
  }
  return { text, ids }
}

/** The checks shared by both kinds of frame. */
export function readShape(input: unknown, kind: number, columnBytes: number): FrameShape | UnreadableFrame {
  if (!(input instanceof Uint8Array)) return unreadable('a batch frame must be bytes')
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  const length = bytes.length
  if (length < HEADER_BYTES) return unreadable(`a batch frame has a ${HEADER_BYTES}-byte header; got ${length} bytes`)
  if (bytes.readUInt32LE(0) !== FRAME_MAGIC) return unreadable('not a batch frame (bad magic number)')
  if (bytes[4] !== kind) return unreadable(`wrong frame kind ${bytes[4]} (expected ${kind})`)
  const sections = {
    count: bytes.readUInt32LE(8),
    defsBytes: bytes.readUInt32LE(12),
    idsBytes: bytes.readUInt32LE(16),
    namesBytes: bytes.readUInt32LE(20),
    payloadBytes: bytes.readUInt32LE(24),
  }
  const { count, defsBytes, idsBytes, namesBytes, payloadBytes } = sections
  const idsAt = HEADER_BYTES + defsBytes
  // The ids are read first, so a frame that fails a later check is still answered id by id.
  const { text: idsText, ids } = readIds(bytes, idsAt, idsBytes, count)
  if (count < 1 || count > MAX_BATCH_ITEMS)
    return unreadable(`a batch holds 1..${MAX_BATCH_ITEMS} tasks; the header says ${count}`, readableIds(ids))
  const expected = frameLength(sections, columnBytes)
  if (expected !== length)
    return unreadable(`section lengths add up to ${expected} bytes but the frame has ${length}`, readableIds(ids))
  if (idsBytes > idsBytesFor(count))
    return unreadable(
      `the ids section has ${idsBytes} bytes; ${count} ids of 1..${MAX_TASK_ID_CHARS} characters take at most ${idsBytesFor(count)}`,
      readableIds(ids),
    )
  // Split into at most count + 1 pieces, so more than count pieces means more ids than tasks.
  if (ids.length !== count)
    return unreadable(
      `${ids.length > count ? `more than ${count}` : ids.length} ids for ${count} tasks`,
      readableIds(ids),
    )
  for (let i = 0; i < count; i++) {
    const idLength = ids[i]!.length
    if (idLength < 1 || idLength > MAX_TASK_ID_CHARS)
      return unreadable(`task id ${i} has ${idLength} characters (1..${MAX_TASK_ID_CHARS})`, readableIds(ids))
  }
  // The section was read whole here (it is no longer than count ids can be): one pass over it.
  if (ILL_FORMED_ID_TEXT.test(idsText)) return unreadable('task ids must be printable ASCII', readableIds(ids))
  const columns = idsAt + idsBytes + namesBytes
  const offsetsAt = columns + count * columnBytes
  const payloadAt = offsetsAt + 4 * (count + 1)
  const view = new DataView(bytes.buffer, bytes.byteOffset, length)
  if (view.getUint32(offsetsAt, true) !== 0 || view.getUint32(offsetsAt + 4 * count, true) !== payloadBytes)
    return unreadable('payload offsets must start at 0 and end at the payload length', ids)
  const offsets = [payloadAt]
  let previous = 0
  for (let i = 1; i <= count; i++) {
    const next = view.getUint32(offsetsAt + 4 * i, true)
    if (next < previous) return unreadable(`payload offsets decrease at task ${i - 1}`, ids)
    offsets.push(next + payloadAt)
    previous = next
  }
  return {
    ok: true,
    bytes,
    view,
    flags: bytes[5]!,
    count,
    ids,
    defsBytes,
    namesAt: idsAt + idsBytes,
    namesBytes,
    columns,
    offsets,
  }
}
