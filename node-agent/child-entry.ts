/**
 * The program each pool child runs. It never touches the network: it takes tasks from its agent
 * over its frame pipe, runs them one at a time, sends each outcome back before its next task
 * starts, hands back tasks that have not started when the agent asks (a reclaim on the IPC
 * channel), and skips those the agent drops (cancelled before they started).
 */
import { isAbsolute } from 'node:path'
import { pathToFileURL } from 'node:url'
import { decodeValueRange, encodeValue } from '../protocol/structured-bytes.js'
import { Worker } from 'node:worker_threads'
// Straight from the modules (not protocol/index.js): a child starts faster without the schema library.
import { readTaskFrame, type TaskFrame } from '../protocol/batch-frame.js'
import { FunctionRegistry, MAX_LINK_FUNCTIONS, type FunctionEntry } from '../protocol/function-table.js'
import type { TaskFunction } from '../protocol/index.js'
import { ArgonError, TaskError, serializeError } from '../protocol/argon-error.js'
import { MAX_TASK_PAYLOAD_BYTES } from '../protocol/limits.js'
import { CHILD_FRAME_FD, PIPE_OUTPUT, openChildFramePipe, readFrames, writeFrame, writeNow } from './child-frames.js'
import { outcomeMessages, type ChildOutcome } from './child-outcome-message.js'
import type { FromChild, ToChild } from './child-messages.js'
import { OutputCapture } from './output-capture.js'
import { TaskLine } from './task-line.js'
import { compileTaskSource } from './task-source.js'
import { describeThrown } from './task-stack.js'

type Callable = (...args: unknown[]) => unknown

/**
 * A task here: the i-th of a received frame, with its function resolved on arrival (a later frame
 * may reset the table); or, from a frame that could not be read, an id to answer in its turn.
 */
interface ChildTask {
  id: string
  frame: TaskFrame | undefined
  index: number
  fn: FunctionEntry | undefined
  /** Why it cannot run (its frame could not be read): answered BAD_REQUEST in its place in line. */
  refused?: string
}

/**
 * The agent's side of this link numbers the functions; this mirrors its table. Not bounded in
 * source characters: the only peer is this child's own agent, which holds the same functions, and
 * a frame on this pipe is not bounded like a network frame (MAX_FRAME_BYTES), which is what the
 * default bound's one frame of room counts on (function-table.ts).
 */
const functions = new FunctionRegistry(undefined, MAX_LINK_FUNCTIONS, Number.POSITIVE_INFINITY)
/** Compiled functions by their link definition, least recently used first (bounded). */
const MAX_COMPILED = 1000
const compiled = new Map<FunctionEntry, Callable>()
const modules = new Map<string, Callable>()
function send(message: FromChild): void {
  process.send!(message)
}

const frames = openChildFramePipe()
// The agent is gone (its end of the pipe closed): leave with it.
frames.on('error', () => process.exit(0))
frames.on('end', () => process.exit(0))
// What a task writes to stdout/stderr goes to its client (and its history record), not to the agent's log.
// It travels on the frame pipe too, so it arrives ahead of the outcomes sent after it.
const capture = new OutputCapture((chunks) => writeFrame(frames, Buffer.from(JSON.stringify(chunks)), PIPE_OUTPUT))
capture.install()

function sendOutcomes(outcomes: ChildOutcome[]): void {
  // The tasks' output goes first, so the agent has it before their outcomes.
  capture.flush()
  writeNow(frames, CHILD_FRAME_FD, outcomeMessages(outcomes))
}

// Tasks run one at a time, each outcome sent before the next task starts; between tasks the agent
// may take back those that have not started (task-line.ts).
const line = new TaskLine<ChildTask, ChildOutcome>({
  run: runTask,
  // The agent answered it already and drops this answer; it only keeps the outcomes in line order.
  skip: (task) => {
    const id = task.id
    const error = new ArgonError('CANCELLED', `task ${id} was dropped before it started`)
    return { id, ok: false, error: serializeError(error), ms: 0 }
  },
  send: sendOutcomes,
  begin: (task) => capture.begin(task.id),
  end: () => capture.end(),
})

process.on('message', (message: ToChild) => {
  if (message.type === 'stop') process.exit(0)
  if (message.type === 'drop') line.drop((task) => task.id === message.id)
  if (message.type === 'reclaim') {
    const ids = line.reclaim(message.count).map((task) => task.id)
    send({ type: 'reclaimed', ids })
  }
})
readFrames(frames, (input) => {
  const frame = readTaskFrame(input, functions)
  if (!frame.ok) {
    // Not from an honest agent; every id that can be read is answered BAD_REQUEST, in line behind
    // the tasks already here: the agent settles answers in the order it sent the tasks.
    const refused = `unreadable task frame: ${frame.message}`
    line.push(frame.ids.map((id) => ({ id, frame: undefined, index: 0, fn: undefined, refused })))
    return
  }
  const tasks: ChildTask[] = []
  for (let i = 0; i < frame.count; i++)
    tasks.push({ id: frame.ids[i]!, frame, index: i, fn: functions.get(frame.fns[i]!) })
  line.push(tasks)
})
// The agent is gone (IPC closed): leave with it.
process.on('disconnect', () => process.exit(0))
// A send that races the agent's exit (an agent refused by its manager exits at once) finds the
// channel closed: the same departure, not a crash to print.
process.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'ERR_IPC_CHANNEL_CLOSED') process.exit(0)
  throw error
})
watchParent()
send({ type: 'ready' })

/** Runs one task; stays synchronous for synchronous functions (no await per task). */
function runTask({ id, frame, index, fn: entry, refused }: ChildTask): ChildOutcome | Promise<ChildOutcome> {
  const started = performance.now()
  if (frame === undefined) return failure(id, started, new TypeError(refused), 'BAD_REQUEST')
  let args: unknown[]
  try {
    const decoded = decodeValueRange(frame.bytes, frame.offsets[index]!, frame.offsets[index + 1]!)
    if (!Array.isArray(decoded)) throw new TypeError('task arguments must be an array')
    args = decoded
  } catch (error) {
    return failure(id, started, error, 'BAD_REQUEST')
  }
  if (entry === undefined)
    return failure(id, started, new TypeError(`unknown function id ${frame.fns[index]}`), 'BAD_REQUEST')
  let known: Callable | undefined
  try {
    known = resolveKnown(entry)
  } catch (error) {
    return failure(id, started, error)
  }
  if (known === undefined) {
    return loadFunction(entry.fn).then(
      (fn) => settle(id, started, fn, args),
      (error: unknown) => failure(id, started, error),
    )
  }
  return settle(id, started, known, args)
}

function settle(id: string, started: number, fn: Callable, args: unknown[]): ChildOutcome | Promise<ChildOutcome> {
  let value: unknown
  try {
    value = fn(...args)
  } catch (error) {
    return failure(id, started, error, 'TASK_FAILED', fn)
  }
  if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') {
    return (value as Promise<unknown>).then(
      (resolved) => success(id, started, resolved),
      (error: unknown) => failure(id, started, error, 'TASK_FAILED', fn),
    )
  }
  return success(id, started, value)
}

function success(id: string, started: number, value: unknown): ChildOutcome {
  let result: Uint8Array
  try {
    result = encodeValue(value)
  } catch (error) {
    return failure(id, started, error)
  }
  // Fail this task here, where the size is first known: a frame could not carry it anyway.
  if (result.byteLength > MAX_TASK_PAYLOAD_BYTES) {
    const error = new ArgonError(
      'PAYLOAD_TOO_LARGE',
      `the result is ${result.byteLength} bytes; one task's result may be at most ${MAX_TASK_PAYLOAD_BYTES}`,
    )
    return { id, ok: false, error: serializeError(error), ms: performance.now() - started }
  }
  return { id, ok: true, result, ms: performance.now() - started }
}

function failure(
  id: string,
  started: number,
  thrown: unknown,
  code: 'TASK_FAILED' | 'BAD_REQUEST' = 'TASK_FAILED',
  fn?: Callable,
): ChildOutcome {
  // Argon's own frames cut; a non-Error keeps its value and gets a stack (task-stack.ts).
  const shape = describeThrown(thrown, fn)
  const remote = { remoteName: shape.name, remoteStack: shape.stack }
  const ownCode = thrown instanceof Error ? (thrown as { code?: unknown }).code : undefined
  const error =
    code === 'TASK_FAILED'
      ? new TaskError(shape.message, {
          ...remote,
          remoteCode: typeof ownCode === 'string' ? ownCode : undefined,
          thrown: thrown instanceof Error ? undefined : thrown,
        })
      : new ArgonError(code, shape.message, remote)
  // serializeError cuts to what the wire accepts, so an enormous message still answers its task.
  return { id, ok: false, error: serializeError(error), ms: performance.now() - started }
}

let lastEntry: FunctionEntry | undefined
let lastCallable: Callable | undefined

/** The compiled function of a link definition (tasks in a row mostly share one: that case is one compare). */
function resolveKnown(entry: FunctionEntry): Callable | undefined {
  if (entry === lastEntry) return lastCallable
  const fn = entry.fn
  let callable = compiled.get(entry)
  if (callable !== undefined) {
    // Least recently used first: move it to the end.
    compiled.delete(entry)
    compiled.set(entry, callable)
  } else if (fn.kind === 'source') {
    callable = compileTaskSource(fn.source)
    remember(entry, callable)
  } else {
    callable = modules.get(`${fn.module}#${fn.export}`)
    if (callable !== undefined) remember(entry, callable)
  }
  if (callable !== undefined) {
    lastEntry = entry
    lastCallable = callable
  }
  return callable
}

function remember(entry: FunctionEntry, callable: Callable): void {
  if (compiled.size >= MAX_COMPILED) {
    const oldest = compiled.keys().next().value!
    compiled.delete(oldest)
    if (oldest === lastEntry) lastEntry = undefined
  }
  compiled.set(entry, callable)
}

async function loadFunction(fn: TaskFunction): Promise<Callable> {
  if (fn.kind === 'source') throw new TypeError('a source function compiles synchronously')
  const specifier = isAbsolute(fn.module) ? pathToFileURL(fn.module).href : fn.module
  const loaded = (await import(specifier)) as Record<string, unknown>
  const callable = loaded[fn.export]
  if (typeof callable !== 'function') throw new TypeError(`${fn.module} has no exported function ${fn.export}`)
  modules.set(`${fn.module}#${fn.export}`, callable as Callable)
  return callable as Callable
}

/**
 * A busy task never yields to the event loop, so 'disconnect' cannot fire while it runs. A small
 * thread watches the parent pid instead and ends this process if the agent died (no orphans).
 */
function watchParent(): void {
  const source = `
    const { workerData } = require('node:worker_threads')
    setInterval(() => { if (process.ppid !== workerData.ppid) process.kill(process.pid, 'SIGKILL') }, 500)
  `
  const watcher = new Worker(source, { eval: true, workerData: { ppid: process.ppid } })
  watcher.unref()
}
