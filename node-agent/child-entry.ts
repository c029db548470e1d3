/**
 * The program each pool child runs. It never touches the network: it takes tasks from its agent
 * over IPC, runs them one at a time, and sends outcomes back in batches.
 */
import { isAbsolute } from 'node:path'
import { pathToFileURL } from 'node:url'
import { decodeValue, encodeValue } from '../protocol/structured-bytes.js'
import { Worker } from 'node:worker_threads'
import type { TaskFunction, WireError } from '../protocol/index.js'
import { MAX_ERROR_MESSAGE_CHARS, MAX_TASK_PAYLOAD_BYTES } from '../protocol/limits.js'
import { cutText } from '../protocol/log-text.js'
import type { ChildOutcome, ChildTask, FromChild, ToChild } from './child-messages.js'
import { compileTaskSource } from './task-source.js'
import { describeThrown } from './task-stack.js'

type Callable = (...args: unknown[]) => unknown

const compiled = new Map<string, Callable>()
const modules = new Map<string, Callable>()
const queue: ChildTask[] = []
let draining = false

/** Results wait at most this long for company before they are sent. */
const FLUSH_AFTER_MS = 1

function send(message: FromChild): void {
  process.send!(message)
}

process.on('message', (message: ToChild) => {
  if (message.type === 'stop') process.exit(0)
  if (message.type === 'run') {
    for (const task of message.tasks) queue.push(task)
    if (!draining) void drain()
  }
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

async function drain(): Promise<void> {
  draining = true
  let outcomes: ChildOutcome[] = []
  let since = performance.now()
  while (queue.length > 0) {
    const task = queue.shift()!
    const outcome = runTask(task)
    outcomes.push(outcome instanceof Promise ? await outcome : outcome)
    if (performance.now() - since >= FLUSH_AFTER_MS) {
      send({ type: 'settled', outcomes })
      outcomes = []
      since = performance.now()
    }
  }
  if (outcomes.length > 0) send({ type: 'settled', outcomes })
  draining = false
}

/** Runs one task; stays synchronous for synchronous functions (no await per task). */
function runTask(task: ChildTask): ChildOutcome | Promise<ChildOutcome> {
  const started = performance.now()
  let args: unknown[]
  try {
    const decoded = decodeValue(task.args) as unknown
    if (!Array.isArray(decoded)) throw new TypeError('task arguments must be an array')
    args = decoded
  } catch (error) {
    return failure(task.id, started, error, 'BAD_REQUEST')
  }
  let known: Callable | undefined
  try {
    known = resolveKnown(task.fn)
  } catch (error) {
    return failure(task.id, started, error)
  }
  if (known === undefined) {
    return loadFunction(task.fn).then(
      (fn) => settle(task.id, started, fn, args),
      (error: unknown) => failure(task.id, started, error),
    )
  }
  return settle(task.id, started, known, args)
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
    const wire: WireError = {
      name: 'ArgonError',
      code: 'PAYLOAD_TOO_LARGE',
      retryable: false,
      message: `the result is ${result.byteLength} bytes; one task's result may be at most ${MAX_TASK_PAYLOAD_BYTES}`,
    }
    return { id, ok: false, error: wire, ms: performance.now() - started }
  }
  return { id, ok: true, result, ms: performance.now() - started }
}

function failure(id: string, started: number, thrown: unknown, code: 'TASK_FAILED' | 'BAD_REQUEST' = 'TASK_FAILED', fn?: Callable): ChildOutcome {
  const error = thrown instanceof Error ? thrown : undefined
  // Argon's own frames cut; a non-Error keeps its value and gets a stack (task-stack.ts).
  const shape = describeThrown(thrown, fn)
  // Cut to what the wire accepts (with a marker), so an enormous message still answers its task.
  const wire: WireError = {
    name: 'TaskError',
    code,
    retryable: false,
    message: cutText(shape.message, MAX_ERROR_MESSAGE_CHARS - 64),
    data: {
      remoteName: cutText(shape.name, 150),
      remoteStack: cutText(shape.stack, MAX_ERROR_MESSAGE_CHARS - 64),
      ...(shape.thrown !== undefined ? { thrown: cutText(shape.thrown, 4096) } : {}),
      ...(error && typeof (error as { code?: unknown }).code === 'string' ? { remoteCode: cutText((error as unknown as { code: string }).code, 150) } : {}),
    },
  }
  return { id, ok: false, error: wire, ms: performance.now() - started }
}

function resolveKnown(fn: TaskFunction): Callable | undefined {
  if (fn.kind === 'source') {
    let callable = compiled.get(fn.source)
    if (callable === undefined) {
      callable = compileTaskSource(fn.source)
      compiled.set(fn.source, callable)
    }
    return callable
  }
  return modules.get(`${fn.module}#${fn.export}`)
}

async function loadFunction(fn: TaskFunction): Promise<Callable> {
  if (fn.kind === 'source') return resolveKnown(fn)!
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
