/**
 * Columnar batch frames: how tasks and their outcomes cross every machine hop (client → manager →
 * agent → child and back). One frame per batch, built once and read once:
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
 * Why: per task the sender appends a few numbers and one byte range, and the receiver reads a few
 * numbers and slices one range. Bytes are copied, never decoded: the manager and the agent forward
 * a task's argument bytes by range, and ranges that are adjacent in the source (tasks of one
 * incoming frame sent on together) are copied in one piece. Checks are structural and O(1) per task.
 * Typed-array columns use the platform byte order, little-endian on every platform Node supports.
 * No schema library here: child processes load this module, and start faster without one.
 */
import { MAX_BATCH_ITEMS, MAX_FUNCTION_SOURCE_CHARS } from './limits.js'
import type { FunctionEntry, FunctionRegistry, FunctionTable } from './function-table.js'
import type { Priority, TaskFunction } from './task.js'
import type { WireError } from './wire-error.js'

const MAGIC = 0x31464741
const HEADER_BYTES = 32
const KIND_TASKS = 1
const KIND_OUTCOMES = 2
const FLAG_RESET = 1
const TASK_COLUMN_BYTES = 13
const OUTCOME_COLUMN_BYTES = 15

/** Longest task id. Ids are 1..128 printable ASCII characters (0x21..0x7e). */
export const MAX_TASK_ID_CHARS = 128
const ILL_FORMED_ID_TEXT = /[^\x21-\x7e\n]/
const WELL_FORMED_ID = /^[\x21-\x7e]{1,128}$/
/** Largest task timeout, ms (what a Node timer can hold). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1
/** Outcome status column. */
export const STATUS_OK = 0
export const STATUS_ERROR = 1
/** Node column value of an outcome with no node name. */
const NO_NODE = 0xffff
const MAX_NODE_NAMES = 0xfffe

/** Priority ⇄ the frame's priority byte. */
export const PRIORITY_CODE: Readonly<Record<Priority, number>> = { high: 0, normal: 1, low: 2 }
const PRIORITY_COUNT = 3

/** True when `id` can travel in a frame. */
export function isWellFormedTaskId(id: string): boolean {
  return WELL_FORMED_ID.test(id)
}

/** Byte ranges gathered for one frame's payload; ranges adjacent in memory merge into one copy. */
class PayloadRanges {
  #buffers: ArrayBufferLike[] = []
  #starts: number[] = []
  #ends: number[] = []
  #offsets: number[] = [0]
  #total = 0

  get total(): number {
    return this.#total
  }

  add(bytes: Uint8Array, start: number, end: number): void {
    const absoluteStart = bytes.byteOffset + start
    const absoluteEnd = bytes.byteOffset + end
    const last = this.#buffers.length - 1
    if (last >= 0 && this.#ends[last] === absoluteStart && this.#buffers[last] === bytes.buffer)
      this.#ends[last] = absoluteEnd
    else {
      this.#buffers.push(bytes.buffer)
      this.#starts.push(absoluteStart)
      this.#ends.push(absoluteEnd)
    }
    this.#total += end - start
    this.#offsets.push(this.#total)
  }

  /** Writes the offsets column and then the payload at `position`. */
  write(out: Buffer, position: number): void {
    const offsets = new Uint32Array(this.#offsets)
    out.set(new Uint8Array(offsets.buffer), position)
    let at = position + offsets.byteLength
    for (let i = 0; i < this.#buffers.length; i++) {
      const length = this.#ends[i]! - this.#starts[i]!
      out.set(new Uint8Array(this.#buffers[i]!, this.#starts[i], length), at)
      at += length
    }
  }

  clear(): void {
    this.#buffers = []
    this.#starts = []
    this.#ends = []
    this.#offsets = [0]
    this.#total = 0
  }
}

function writeHeader(
  out: Buffer,
  kind: number,
  flags: number,
  count: number,
  defs: number,
  ids: number,
  names: number,
  payload: number,
): void {
  out.writeUInt32LE(MAGIC, 0)
  out.writeUInt8(kind, 4)
  out.writeUInt8(flags, 5)
  out.writeUInt16LE(0, 6)
  out.writeUInt32LE(count, 8)
  out.writeUInt32LE(defs, 12)
  out.writeUInt32LE(ids, 16)
  out.writeUInt32LE(names, 20)
  out.writeUInt32LE(payload, 24)
  out.writeUInt32LE(0, 28)
}

function joinIds(ids: readonly string[]): string {
  const text = ids.join('\n')
  // One native pass per frame; ids made by this code never fail it.
  if (ILL_FORMED_ID_TEXT.test(text)) throw new TypeError('a task id must be 1..128 printable ASCII characters')
  return text
}

/**
 * Builds task frames for one link. Each `add` appends a task; `finish` returns the frame and
 * starts the next one. The link's function table decides which definitions the frame carries.
 *
 * @example
 * ```ts
 * const writer = new TaskFrameWriter(new FunctionTable())
 * writer.add('t1', functionEntry({ kind: 'source', source: '(a) => a' }), 0, 0, PRIORITY_CODE.normal, args, 0, args.length)
 * socket.emit('task:submit', writer.finish())
 * ```
 */
export class TaskFrameWriter {
  readonly #table: FunctionTable
  #ids: string[] = []
  #fns: number[] = []
  #attempts: number[] = []
  #timeouts: number[] = []
  #priorities: number[] = []
  #defs: [number, TaskFunction][] = []
  #reset = false
  readonly #payload = new PayloadRanges()

  constructor(table: FunctionTable) {
    this.#table = table
  }

  get count(): number {
    return this.#ids.length
  }

  get payloadBytes(): number {
    return this.#payload.total
  }

  /**
   * @param timeout ms, 0 for none
   * @param priority a PRIORITY_CODE value
   */
  add(
    id: string,
    fn: FunctionEntry,
    attempt: number,
    timeout: number,
    priority: number,
    bytes: Uint8Array,
    start: number,
    end: number,
  ): void {
    if (this.#ids.length === 0) this.#reset = this.#table.beginFrame()
    let fnId = this.#table.idOf(fn)
    if (fnId === undefined) {
      fnId = this.#table.define(fn)
      this.#defs.push([fnId, fn.fn])
    }
    this.#ids.push(id)
    this.#fns.push(fnId)
    this.#attempts.push(attempt)
    this.#timeouts.push(timeout)
    this.#priorities.push(priority)
    this.#payload.add(bytes, start, end)
  }

  finish(): Buffer {
    const count = this.#ids.length
    const defsText = this.#defs.length > 0 ? JSON.stringify(this.#defs) : ''
    const defsBytes = Buffer.byteLength(defsText)
    const idsText = joinIds(this.#ids)
    const payloadBytes = this.#payload.total
    const out = Buffer.allocUnsafe(
      HEADER_BYTES + defsBytes + idsText.length + count * TASK_COLUMN_BYTES + 4 * (count + 1) + payloadBytes,
    )
    writeHeader(out, KIND_TASKS, this.#reset ? FLAG_RESET : 0, count, defsBytes, idsText.length, 0, payloadBytes)
    let at = HEADER_BYTES
    at += out.write(defsText, at, 'utf8')
    at += out.write(idsText, at, 'latin1')
    for (const column of [
      new Uint32Array(this.#fns),
      new Uint32Array(this.#attempts),
      new Uint32Array(this.#timeouts),
      new Uint8Array(this.#priorities),
    ]) {
      out.set(new Uint8Array(column.buffer), at)
      at += column.byteLength
    }
    this.#payload.write(out, at)
    this.#clear()
    return out
  }

  /** Drops what was added. The link is down: its function table starts afresh with the next connection. */
  discard(): void {
    this.#clear()
    this.#table.clear()
  }

  #clear(): void {
    this.#ids = []
    this.#fns = []
    this.#attempts = []
    this.#timeouts = []
    this.#priorities = []
    this.#defs = []
    this.#reset = false
    this.#payload.clear()
  }
}

/**
 * Builds outcome frames. `addResult` forwards result bytes by range; `addError` carries an error.
 *
 * @example
 * ```ts
 * const writer = new OutcomeFrameWriter()
 * writer.addResult('t1', 1, 0.2, 'node-a', result, 0, result.length)
 * socket.emit('task:settled', writer.finish())
 * ```
 */
export class OutcomeFrameWriter {
  #ids: string[] = []
  #attempts: number[] = []
  #ms: number[] = []
  #status: number[] = []
  #nodes: number[] = []
  #names: string[] = []
  #nameIndex = new Map<string, number>()
  #lastName: string | undefined = undefined
  #lastNameIndex = NO_NODE
  readonly #payload = new PayloadRanges()

  get count(): number {
    return this.#ids.length
  }

  get payloadBytes(): number {
    return this.#payload.total
  }

  addResult(
    id: string,
    attempt: number,
    ms: number,
    node: string | undefined,
    bytes: Uint8Array,
    start: number,
    end: number,
  ): void {
    this.#push(id, attempt, ms, STATUS_OK, node)
    this.#payload.add(bytes, start, end)
  }

  addError(id: string, attempt: number, ms: number, error: WireError): void {
    this.#push(id, attempt, ms, STATUS_ERROR, undefined)
    const bytes = Buffer.from(JSON.stringify(error))
    this.#payload.add(bytes, 0, bytes.length)
  }

  finish(): Buffer {
    const count = this.#ids.length
    const namesText = this.#names.length > 0 ? JSON.stringify(this.#names) : ''
    const namesBytes = Buffer.byteLength(namesText)
    const idsText = joinIds(this.#ids)
    const payloadBytes = this.#payload.total
    const out = Buffer.allocUnsafe(
      HEADER_BYTES + idsText.length + namesBytes + count * OUTCOME_COLUMN_BYTES + 4 * (count + 1) + payloadBytes,
    )
    writeHeader(out, KIND_OUTCOMES, 0, count, 0, idsText.length, namesBytes, payloadBytes)
    let at = HEADER_BYTES
    at += out.write(idsText, at, 'latin1')
    at += out.write(namesText, at, 'utf8')
    for (const column of [
      new Uint32Array(this.#attempts),
      new Float64Array(this.#ms),
      new Uint8Array(this.#status),
      new Uint16Array(this.#nodes),
    ]) {
      out.set(new Uint8Array(column.buffer), at)
      at += column.byteLength
    }
    this.#payload.write(out, at)
    this.discard()
    return out
  }

  discard(): void {
    this.#ids = []
    this.#attempts = []
    this.#ms = []
    this.#status = []
    this.#nodes = []
    this.#names = []
    this.#nameIndex.clear()
    this.#lastName = undefined
    this.#lastNameIndex = NO_NODE
    this.#payload.clear()
  }

  #push(id: string, attempt: number, ms: number, status: number, node: string | undefined): void {
    this.#ids.push(id)
    this.#attempts.push(attempt)
    this.#ms.push(ms)
    this.#status.push(status)
    this.#nodes.push(node === undefined ? NO_NODE : this.#nodeIndex(node))
  }

  #nodeIndex(name: string): number {
    if (name === this.#lastName) return this.#lastNameIndex
    let index = this.#nameIndex.get(name)
    if (index === undefined) {
      if (this.#names.length >= MAX_NODE_NAMES) return NO_NODE
      index = this.#names.length
      this.#names.push(name)
      this.#nameIndex.set(name, index)
    }
    this.#lastName = name
    this.#lastNameIndex = index
    return index
  }
}

/** A frame that could not be read: why, and the ids that could still be read (each gets an answer). */
export interface UnreadableFrame {
  ok: false
  message: string
  ids: string[]
}

interface FrameShape {
  ok: true
  bytes: Buffer
  flags: number
  count: number
  defs: [number, number]
  names: [number, number]
  ids: string[]
  columns: number
  offsets: Uint32Array
}

function unreadable(message: string, ids: string[] = []): UnreadableFrame {
  return { ok: false, message, ids }
}

type ColumnType = Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor | Float64ArrayConstructor

/** A column of `count` values at `at`: a view of the frame when aligned, else an aligned copy. */
function column<T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(
  bytes: Buffer,
  at: number,
  Type: ColumnType,
  count: number,
): T {
  const offset = bytes.byteOffset + at
  if (offset % Type.BYTES_PER_ELEMENT === 0) return new Type(bytes.buffer as ArrayBuffer, offset, count) as T
  const array = new Type(count) as T
  new Uint8Array(array.buffer).set(bytes.subarray(at, at + array.byteLength))
  return array
}

/** The checks shared by both kinds: header, section lengths, ids, offsets. */
function readShape(input: unknown, kind: number, columnBytes: number): FrameShape | UnreadableFrame {
  if (!(input instanceof Uint8Array)) return unreadable('a batch frame must be bytes')
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  if (bytes.length < HEADER_BYTES)
    return unreadable(`a batch frame has a ${HEADER_BYTES}-byte header; got ${bytes.length} bytes`)
  if (bytes.readUInt32LE(0) !== MAGIC) return unreadable('not a batch frame (bad magic number)')
  if (bytes[4] !== kind) return unreadable(`wrong frame kind ${bytes[4]} (expected ${kind})`)
  const flags = bytes[5]!
  const count = bytes.readUInt32LE(8)
  const defsBytes = bytes.readUInt32LE(12)
  const idsBytes = bytes.readUInt32LE(16)
  const namesBytes = bytes.readUInt32LE(20)
  const payloadBytes = bytes.readUInt32LE(24)
  const idsAt = HEADER_BYTES + defsBytes
  // The ids are read first, so a frame that fails a later check is still answered id by id.
  const idsText = idsAt + idsBytes <= bytes.length ? bytes.toString('latin1', idsAt, idsAt + idsBytes) : undefined
  const ids = idsText === undefined ? [] : idsText.split('\n')
  const readable = () => ids.filter(isWellFormedTaskId).slice(0, MAX_BATCH_ITEMS)
  if (count < 1 || count > MAX_BATCH_ITEMS)
    return unreadable(`a batch holds 1..${MAX_BATCH_ITEMS} tasks; the header says ${count}`, readable())
  const expected =
    HEADER_BYTES + defsBytes + idsBytes + namesBytes + count * columnBytes + 4 * (count + 1) + payloadBytes
  if (expected !== bytes.length)
    return unreadable(`section lengths add up to ${expected} bytes but the frame has ${bytes.length}`, readable())
  if (ids.length !== count) return unreadable(`${ids.length} ids for ${count} tasks`, readable())
  for (let i = 0; i < count; i++) {
    const length = ids[i]!.length
    if (length < 1 || length > MAX_TASK_ID_CHARS)
      return unreadable(`task id ${i} has ${length} characters (1..${MAX_TASK_ID_CHARS})`, readable())
  }
  if (ILL_FORMED_ID_TEXT.test(idsText!)) return unreadable('task ids must be printable ASCII', readable())
  const columns = idsAt + idsBytes + namesBytes
  const offsetsAt = columns + count * columnBytes
  const payloadAt = offsetsAt + 4 * (count + 1)
  const relative = column<Uint32Array>(bytes, offsetsAt, Uint32Array, count + 1)
  if (relative[0] !== 0 || relative[count] !== payloadBytes)
    return unreadable('payload offsets must start at 0 and end at the payload length', ids)
  // Absolute offsets into the frame from here on (a copy: the frame itself is never written).
  const offsets = new Uint32Array(count + 1)
  offsets[0] = payloadAt
  for (let i = 0; i < count; i++) {
    const next = relative[i + 1]!
    if (next < relative[i]!) return unreadable(`payload offsets decrease at task ${i}`, ids)
    offsets[i + 1] = next + payloadAt
  }
  return {
    ok: true,
    bytes,
    flags,
    count,
    defs: [HEADER_BYTES, defsBytes],
    names: [idsAt + idsBytes, namesBytes],
    ids,
    columns,
    offsets,
  }
}

function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= max
}

/** The same rules as taskFunctionSchema. */
function isTaskFunction(value: unknown): value is TaskFunction {
  if (typeof value !== 'object' || value === null) return false
  const fn = value as Record<string, unknown>
  if (fn.kind === 'source') return isText(fn.source, MAX_FUNCTION_SOURCE_CHARS)
  return fn.kind === 'module' && isText(fn.module, 4096) && isText(fn.export, 256)
}

function isDefinitionList(value: unknown): value is [number, TaskFunction][] {
  if (!Array.isArray(value) || value.length > MAX_BATCH_ITEMS) return false
  for (const item of value) {
    if (!Array.isArray(item) || item.length !== 2) return false
    const id: unknown = item[0]
    if (!Number.isInteger(id) || (id as number) < 1 || (id as number) > 2 ** 32 - 1 || !isTaskFunction(item[1]))
      return false
  }
  return true
}

function isNameList(value: unknown): value is string[] {
  return (
    Array.isArray(value) &&
    value.length <= MAX_NODE_NAMES &&
    value.every((name) => typeof name === 'string' && name.length <= 256)
  )
}

function parseJsonSection<T>(
  bytes: Buffer,
  [at, length]: [number, number],
  check: (value: unknown) => value is T,
): T | undefined {
  if (length === 0) return undefined
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8', at, at + length))
    return check(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** A readable task frame. Task i's bytes are `bytes[offsets[i] .. offsets[i + 1])`. */
export interface TaskFrame {
  ok: true
  count: number
  ids: string[]
  /** Link function ids (resolve with the link's FunctionRegistry). */
  fns: Uint32Array
  attempts: Uint32Array
  /** ms; 0 = none. */
  timeouts: Uint32Array
  /** PRIORITY_CODE values. */
  priorities: Uint8Array
  bytes: Buffer
  offsets: Uint32Array
}

/**
 * Reads a task frame. Function definitions it carries go into `registry` (after a reset when the
 * frame says so) — only once the whole frame has passed its structural checks, so a malformed
 * frame changes nothing. Per-task checks that do not make the frame unreadable: `taskProblem`.
 */
export function readTaskFrame(input: unknown, registry: FunctionRegistry): TaskFrame | UnreadableFrame {
  const shape = readShape(input, KIND_TASKS, TASK_COLUMN_BYTES)
  if (!shape.ok) return shape
  const { bytes, count, columns } = shape
  let defs: [number, TaskFunction][] = []
  if (shape.defs[1] > 0) {
    const parsed = parseJsonSection(bytes, shape.defs, isDefinitionList)
    if (parsed === undefined)
      return unreadable('the function definitions are not a valid [[id, function], …] list', shape.ids)
    defs = parsed
  }
  if (shape.names[1] !== 0) return unreadable('a task frame has no names section', shape.ids)
  const frame: TaskFrame = {
    ok: true,
    count,
    ids: shape.ids,
    fns: column<Uint32Array>(bytes, columns, Uint32Array, count),
    attempts: column(bytes, columns + 4 * count, Uint32Array, count),
    timeouts: column(bytes, columns + 8 * count, Uint32Array, count),
    priorities: column(bytes, columns + 12 * count, Uint8Array, count),
    bytes,
    offsets: shape.offsets,
  }
  if (shape.flags & FLAG_RESET) registry.clear()
  for (const [id, fn] of defs) {
    if (!registry.define(id, fn)) return unreadable('too many functions defined on this link', shape.ids)
  }
  return frame
}

/** What is wrong with task i of a readable frame, or undefined when nothing is. O(1). */
export function taskProblem(
  frame: TaskFrame,
  i: number,
  registry: FunctionRegistry,
  maxPayloadBytes: number,
): { code: 'BAD_REQUEST' | 'PAYLOAD_TOO_LARGE'; message: string } | undefined {
  if (registry.get(frame.fns[i]!) === undefined)
    return { code: 'BAD_REQUEST', message: `unknown function id ${frame.fns[i]} (not defined on this link)` }
  if (frame.priorities[i]! >= PRIORITY_COUNT)
    return { code: 'BAD_REQUEST', message: `bad priority code ${frame.priorities[i]}` }
  if (frame.timeouts[i]! > MAX_TIMEOUT_MS)
    return { code: 'BAD_REQUEST', message: `timeout ${frame.timeouts[i]} ms is over ${MAX_TIMEOUT_MS}` }
  const size = frame.offsets[i + 1]! - frame.offsets[i]!
  if (size > maxPayloadBytes)
    return { code: 'PAYLOAD_TOO_LARGE', message: `arguments are ${size} bytes; the limit is ${maxPayloadBytes}` }
  return undefined
}

/** A readable outcome frame. Outcome i's bytes (result, or error JSON) are `bytes[offsets[i] .. offsets[i + 1])`. */
export interface OutcomeFrame {
  ok: true
  count: number
  ids: string[]
  attempts: Uint32Array
  ms: Float64Array
  /** STATUS_OK or STATUS_ERROR. */
  status: Uint8Array
  nodes: Uint16Array
  nodeNames: string[]
  bytes: Buffer
  offsets: Uint32Array
}

export function readOutcomeFrame(input: unknown): OutcomeFrame | UnreadableFrame {
  const shape = readShape(input, KIND_OUTCOMES, OUTCOME_COLUMN_BYTES)
  if (!shape.ok) return shape
  const { bytes, count, columns } = shape
  if (shape.defs[1] !== 0) return unreadable('an outcome frame has no function definitions', shape.ids)
  let nodeNames: string[] = []
  if (shape.names[1] > 0) {
    const parsed = parseJsonSection(bytes, shape.names, isNameList)
    if (parsed === undefined) return unreadable('the node names are not a list of strings', shape.ids)
    nodeNames = parsed
  }
  const frame: OutcomeFrame = {
    ok: true,
    count,
    ids: shape.ids,
    attempts: column<Uint32Array>(bytes, columns, Uint32Array, count),
    ms: column(bytes, columns + 4 * count, Float64Array, count),
    status: column(bytes, columns + 12 * count, Uint8Array, count),
    nodes: column(bytes, columns + 13 * count, Uint16Array, count),
    nodeNames,
    bytes,
    offsets: shape.offsets,
  }
  for (let i = 0; i < count; i++) {
    const status = frame.status[i]!
    if (status !== STATUS_OK && status !== STATUS_ERROR)
      return unreadable(`bad status ${status} at outcome ${i}`, shape.ids)
    const node = frame.nodes[i]!
    if (node !== NO_NODE && node >= nodeNames.length)
      return unreadable(`node index ${node} out of range at outcome ${i}`, shape.ids)
    if (!(frame.ms[i]! >= 0)) return unreadable(`bad run time at outcome ${i}`, shape.ids)
  }
  return frame
}

/** The node name of outcome i, if any. */
export function outcomeNode(frame: OutcomeFrame, i: number): string | undefined {
  const index = frame.nodes[i]!
  return index === NO_NODE ? undefined : frame.nodeNames[index]
}

/** The result bytes of outcome i as a view (copy it to keep it long: the view holds the whole frame). */
export function outcomeResult(frame: OutcomeFrame, i: number): Buffer {
  return frame.bytes.subarray(frame.offsets[i], frame.offsets[i + 1])
}
