/**
 * Builds batch frames (layout: frame-layout.ts). Per task the sender appends a few numbers and
 * one byte range; `finish` sizes the frame, writes it in one buffer and starts the next one.
 * Bytes are copied, never decoded: the manager and the agent forward a task's bytes by range.
 */
import type { FunctionEntry, FunctionTable } from './function-table.js'
import {
  FLAG_RESET,
  HEADER_BYTES,
  KIND_OUTCOMES,
  KIND_TASKS,
  MAX_NODE_NAME_CHARS,
  MAX_NODE_NAMES,
  NO_NODE,
  OUTCOME_COLUMN_BYTES,
  STATUS_ERROR,
  STATUS_OK,
  TASK_COLUMN_BYTES,
  frameLength,
  writeHeader,
  type FrameSections,
} from './frame-layout.js'
import { FrameRows } from './frame-rows.js'
import type { TaskFunction } from './task.js'
import type { WireError } from './wire-error.js'

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
  readonly #rows = new FrameRows()
  // Columns, kept from frame to frame and overwritten in place.
  readonly #fns: number[] = []
  readonly #attempts: number[] = []
  readonly #timeouts: number[] = []
  readonly #priorities: number[] = []
  #defs: [number, TaskFunction][] | null = null
  #reset = false

  constructor(table: FunctionTable) {
    this.#table = table
  }

  get count(): number {
    return this.#rows.count
  }

  get payloadBytes(): number {
    return this.#rows.payloadBytes
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
    const i = this.#rows.count
    if (i === 0) this.#reset = this.#table.beginFrame()
    let fnId = this.#table.idOf(fn)
    if (fnId === undefined) {
      fnId = this.#table.define(fn)
      ;(this.#defs ??= []).push([fnId, fn.fn])
    }
    this.#fns[i] = fnId
    this.#attempts[i] = attempt
    this.#timeouts[i] = timeout
    this.#priorities[i] = priority
    this.#rows.add(id, bytes, start, end)
  }

  /**
   * The frame, and the writer starts the next one.
   * @param headroom bytes left free in front of the frame for a transport header (packet-codec.ts,
   *   child-frames.ts), so that the frame need not be copied behind it; the frame is then
   *   `returned.subarray(headroom)`.
   */
  finish(headroom = 0): Buffer {
    const rows = this.#rows
    rows.checkIds()
    const count = rows.count
    const defsText = this.#defs === null ? '' : JSON.stringify(this.#defs)
    const sections: FrameSections = {
      count,
      defsBytes: Buffer.byteLength(defsText),
      idsBytes: rows.idsBytes,
      namesBytes: 0,
      payloadBytes: rows.payloadBytes,
    }
    const whole = Buffer.allocUnsafe(headroom + frameLength(sections, TASK_COLUMN_BYTES))
    const out = headroom === 0 ? whole : whole.subarray(headroom)
    writeHeader(out, KIND_TASKS, this.#reset ? FLAG_RESET : 0, sections)
    let at = HEADER_BYTES
    if (sections.defsBytes > 0) at += out.write(defsText, at, 'utf8')
    at = rows.writeIds(out, at)
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
    const fns = this.#fns
    const attempts = this.#attempts
    const timeouts = this.#timeouts
    const priorities = this.#priorities
    for (let i = 0; i < count; i++) view.setUint32(at + 4 * i, fns[i]!, true)
    at += 4 * count
    for (let i = 0; i < count; i++) view.setUint32(at + 4 * i, attempts[i]!, true)
    at += 4 * count
    for (let i = 0; i < count; i++) view.setUint32(at + 4 * i, timeouts[i]!, true)
    at += 4 * count
    for (let i = 0; i < count; i++) out[at + i] = priorities[i]!
    at += count
    rows.writeOffsetsAndPayload(out, view, at)
    this.#clear()
    return whole
  }

  /** Drops what was added. The link is down: its function table starts afresh with the next connection. */
  discard(): void {
    this.#clear()
    this.#table.clear()
  }

  #clear(): void {
    this.#rows.reset()
    this.#defs = null
    this.#reset = false
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
  readonly #rows = new FrameRows()
  readonly #attempts: number[] = []
  readonly #ms: number[] = []
  readonly #status: number[] = []
  readonly #nodes: number[] = []
  #names: string[] = []
  readonly #nameIndex = new Map<string, number>()
  // The last frame's names and their JSON: answers from the same few nodes reuse the text.
  #lastNames: string[] = []
  #lastNamesText = ''
  #lastName: string | undefined = undefined
  #lastNameIndex = NO_NODE

  get count(): number {
    return this.#rows.count
  }

  get payloadBytes(): number {
    return this.#rows.payloadBytes
  }

  /** @throws TypeError when `node` is longer than MAX_NODE_NAME_CHARS (nothing of the outcome is added). */
  addResult(
    id: string,
    attempt: number,
    ms: number,
    node: string | undefined,
    bytes: Uint8Array,
    start: number,
    end: number,
  ): void {
    this.#push(attempt, ms, STATUS_OK, node)
    this.#rows.add(id, bytes, start, end)
  }

  addError(id: string, attempt: number, ms: number, error: WireError): void {
    this.#push(attempt, ms, STATUS_ERROR, undefined)
    const bytes = Buffer.from(JSON.stringify(error))
    this.#rows.add(id, bytes, 0, bytes.length)
  }

  /** The frame, and the writer starts the next one. `headroom`: as TaskFrameWriter.finish. */
  finish(headroom = 0): Buffer {
    const rows = this.#rows
    rows.checkIds()
    const count = rows.count
    const namesText = this.#namesText()
    const sections: FrameSections = {
      count,
      defsBytes: 0,
      idsBytes: rows.idsBytes,
      namesBytes: Buffer.byteLength(namesText),
      payloadBytes: rows.payloadBytes,
    }
    const whole = Buffer.allocUnsafe(headroom + frameLength(sections, OUTCOME_COLUMN_BYTES))
    const out = headroom === 0 ? whole : whole.subarray(headroom)
    writeHeader(out, KIND_OUTCOMES, 0, sections)
    let at = rows.writeIds(out, HEADER_BYTES)
    if (sections.namesBytes > 0) at += out.write(namesText, at, 'utf8')
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
    const attempts = this.#attempts
    const ms = this.#ms
    const status = this.#status
    const nodes = this.#nodes
    for (let i = 0; i < count; i++) view.setUint32(at + 4 * i, attempts[i]!, true)
    at += 4 * count
    for (let i = 0; i < count; i++) view.setFloat64(at + 8 * i, ms[i]!, true)
    at += 8 * count
    for (let i = 0; i < count; i++) out[at + i] = status[i]!
    at += count
    for (let i = 0; i < count; i++) view.setUint16(at + 2 * i, nodes[i]!, true)
    at += 2 * count
    rows.writeOffsetsAndPayload(out, view, at)
    this.discard()
    return whole
  }

  discard(): void {
    this.#rows.reset()
    if (this.#names.length > 0) {
      this.#names = []
      this.#nameIndex.clear()
    }
    this.#lastName = undefined
    this.#lastNameIndex = NO_NODE
  }

  #namesText(): string {
    const names = this.#names
    if (names.length === 0) return ''
    const last = this.#lastNames
    let same = names.length === last.length
    for (let i = 0; same && i < names.length; i++) same = names[i] === last[i]
    if (!same) {
      this.#lastNames = names
      this.#lastNamesText = JSON.stringify(names)
    }
    return this.#lastNamesText
  }

  #push(attempt: number, ms: number, status: number, node: string | undefined): void {
    // The node first: a name it refuses throws before any column of this row is written.
    const nodeIndex = node === undefined ? NO_NODE : this.#nodeIndex(node)
    const i = this.#rows.count
    this.#attempts[i] = attempt
    this.#ms[i] = ms
    this.#status[i] = status
    this.#nodes[i] = nodeIndex
  }

  #nodeIndex(name: string): number {
    if (name === this.#lastName) return this.#lastNameIndex
    let index = this.#nameIndex.get(name)
    if (index === undefined) {
      // The reader refuses a whole frame with a longer name, failing every answer in it: refuse
      // the one outcome here, before anything of it is added.
      if (name.length > MAX_NODE_NAME_CHARS)
        throw new TypeError(`a node name must be at most ${MAX_NODE_NAME_CHARS} characters; got ${name.length}`)
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
