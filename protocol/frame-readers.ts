/**
 * Reads batch frames (layout: frame-layout.ts) after their structural checks (frame-shape.ts):
 * the columns become plain arrays, read value by value from the frame, and a task's bytes stay
 * a range of it. Per-task checks that do not make a frame unreadable: `taskProblem`.
 */
import { MAX_BATCH_ITEMS, MAX_FUNCTION_SOURCE_CHARS } from './limits.js'
import type { FunctionRegistry } from './function-table.js'
import {
  FLAG_RESET,
  HEADER_BYTES,
  KIND_OUTCOMES,
  KIND_TASKS,
  MAX_NODE_NAME_CHARS,
  MAX_NODE_NAMES,
  MAX_TIMEOUT_MS,
  NO_NODE,
  OUTCOME_COLUMN_BYTES,
  PRIORITY_COUNT,
  STATUS_ERROR,
  STATUS_OK,
  TASK_COLUMN_BYTES,
} from './frame-layout.js'
import { readShape, unreadable, type UnreadableFrame } from './frame-shape.js'
import type { TaskFunction } from './task.js'

export type { UnreadableFrame } from './frame-shape.js'

/** A readable task frame. Task i's bytes are `bytes[offsets[i] .. offsets[i + 1])`. */
export interface TaskFrame {
  ok: true
  count: number
  ids: string[]
  /** Link function ids (resolve with the link's FunctionRegistry). */
  fns: number[]
  attempts: number[]
  /** ms; 0 = none. */
  timeouts: number[]
  /** PRIORITY_CODE values. */
  priorities: number[]
  bytes: Buffer
  offsets: number[]
}

/** A readable outcome frame. Outcome i's bytes (result, or error JSON) are `bytes[offsets[i] .. offsets[i + 1])`. */
export interface OutcomeFrame {
  ok: true
  count: number
  ids: string[]
  attempts: number[]
  ms: number[]
  /** STATUS_OK or STATUS_ERROR. */
  status: number[]
  nodes: number[]
  nodeNames: string[]
  bytes: Buffer
  offsets: number[]
}

function u32Column(view: DataView, at: number, count: number): number[] {
  const values: number[] = []
  for (let i = 0; i < count; i++) values.push(view.getUint32(at + 4 * i, true))
  return values
}

/**
 * Reads a task frame. Function definitions it carries go into `registry` (after a reset when the
 * frame says so) — only once the whole frame has passed its structural checks, so a malformed
 * frame changes nothing.
 */
export function readTaskFrame(input: unknown, registry: FunctionRegistry): TaskFrame | UnreadableFrame {
  const shape = readShape(input, KIND_TASKS, TASK_COLUMN_BYTES)
  if (!shape.ok) return shape
  const { bytes, view, count, columns } = shape
  let defs: [number, TaskFunction][] = []
  if (shape.defsBytes > 0) {
    const parsed = parseJsonSection(bytes, HEADER_BYTES, shape.defsBytes, isDefinitionList)
    if (parsed === undefined)
      return unreadable('the function definitions are not a valid [[id, function], …] list', shape.ids)
    defs = parsed
  }
  if (shape.namesBytes !== 0) return unreadable('a task frame has no names section', shape.ids)
  const prioritiesAt = columns + 12 * count
  const priorities: number[] = []
  for (let i = 0; i < count; i++) priorities.push(bytes[prioritiesAt + i]!)
  const frame: TaskFrame = {
    ok: true,
    count,
    ids: shape.ids,
    fns: u32Column(view, columns, count),
    attempts: u32Column(view, columns + 4 * count, count),
    timeouts: u32Column(view, columns + 8 * count, count),
    priorities,
    bytes,
    offsets: shape.offsets,
  }
  if (!registry.defineAll(defs, (shape.flags & FLAG_RESET) !== 0))
    return unreadable('too many functions, or too much function source, defined on this link', shape.ids)
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

/** Reads an outcome frame; every outcome's status, node index and run time is checked. */
export function readOutcomeFrame(input: unknown): OutcomeFrame | UnreadableFrame {
  const shape = readShape(input, KIND_OUTCOMES, OUTCOME_COLUMN_BYTES)
  if (!shape.ok) return shape
  const { bytes, view, count, columns } = shape
  if (shape.defsBytes !== 0) return unreadable('an outcome frame has no function definitions', shape.ids)
  let nodeNames: string[] = []
  if (shape.namesBytes > 0) {
    const parsed = parseJsonSection(bytes, shape.namesAt, shape.namesBytes, isNameList)
    if (parsed === undefined) return unreadable('the node names are not a list of strings', shape.ids)
    nodeNames = parsed
  }
  const msAt = columns + 4 * count
  const statusAt = columns + 12 * count
  const nodesAt = columns + 13 * count
  const ms: number[] = []
  const status: number[] = []
  const nodes: number[] = []
  for (let i = 0; i < count; i++) {
    const runMs = view.getFloat64(msAt + 8 * i, true)
    const state = bytes[statusAt + i]!
    const node = view.getUint16(nodesAt + 2 * i, true)
    if (state !== STATUS_OK && state !== STATUS_ERROR)
      return unreadable(`bad status ${state} at outcome ${i}`, shape.ids)
    if (node !== NO_NODE && node >= nodeNames.length)
      return unreadable(`node index ${node} out of range at outcome ${i}`, shape.ids)
    // Infinity would pass `>= 0` and poison every run-time mean it reaches; NaN fails both tests.
    if (!Number.isFinite(runMs) || runMs < 0) return unreadable(`bad run time at outcome ${i}`, shape.ids)
    ms.push(runMs)
    status.push(state)
    nodes.push(node)
  }
  return {
    ok: true,
    count,
    ids: shape.ids,
    attempts: u32Column(view, columns, count),
    ms,
    status,
    nodes,
    nodeNames,
    bytes,
    offsets: shape.offsets,
  }
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
    value.every((name) => typeof name === 'string' && name.length <= MAX_NODE_NAME_CHARS)
  )
}

function parseJsonSection<T>(
  bytes: Buffer,
  at: number,
  length: number,
  check: (value: unknown) => value is T,
): T | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8', at, at + length))
    return check(value) ? value : undefined
  } catch {
    return undefined
  }
}
