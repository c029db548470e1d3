/**
 * The one error model of every side (client, manager, agent, child, command line): an error with
 * a stable `code`, a `retryable` flag and `data`, flattened by `serializeError` to cross a
 * boundary and rebuilt by `restoreError` on the other side (the moleculer shape). Nothing else
 * builds or reads a wire error's fields by hand.
 */
import { RETRYABLE_CODES, type ErrorCode } from './error-codes.js'
import { MAX_ERROR_MESSAGE_CHARS } from './limits.js'
import { cutText } from './log-text.js'
import type { WireError } from './wire-error.js'

/** Room left under the wire's limits for the marker `cutText` appends. */
const TEXT_CHARS = MAX_ERROR_MESSAGE_CHARS - 64
const NAME_CHARS = 150
const THROWN_CHARS = 4096

/**
 * On the wire, `data.remoteName` and `data.remoteStack` carry the error the user's code raised
 * (for any code), and `data.remoteCode` / `data.thrown` a task's (TASK_FAILED); `name` is the
 * ArgonError's own. Those four keys are reserved in `data`.
 */
export interface ArgonErrorOptions {
  /** @default true for QUEUE_FULL, WORKER_LOST, CONNECTION_FAILED and SHUTTING_DOWN */
  retryable?: boolean
  /** The node the error comes from, when it comes from a task run. */
  node?: string
  data?: Record<string, unknown>
  cause?: unknown
  /** Name of the error the user's code raised, on the machine where it ran. */
  remoteName?: string
  /** Its stack, with Argon's own frames cut. */
  remoteStack?: string
}

/**
 * Every error Argon raises or passes on. Branch on `code`, never on the message.
 *
 * @example
 * ```ts
 * try { await client.process(fn, args) } catch (error) {
 *   if (error instanceof ArgonError && error.code === 'QUEUE_FULL') backOff()
 * }
 * ```
 */
export class ArgonError extends Error {
  readonly code: ErrorCode
  /** True when the same request may succeed later. */
  readonly retryable: boolean
  /** The node the error comes from, when it comes from a task run. */
  readonly node: string | undefined
  readonly data: Record<string, unknown> | undefined
  /** Name of the error the user's code raised where it ran (a task, a function that did not compile). */
  readonly remoteName: string | undefined
  /** Stack of that error, with Argon's own frames cut. */
  readonly remoteStack: string | undefined

  constructor(code: ErrorCode, message: string, options: ArgonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ArgonError'
    this.code = code
    this.retryable = options.retryable ?? RETRYABLE_CODES.has(code)
    this.node = options.node
    this.data = options.data
    this.remoteName = options.remoteName
    this.remoteStack = options.remoteStack
  }
}

/**
 * A task threw (`code` is TASK_FAILED): `message` is the remote message, `remoteName` /
 * `remoteStack` the remote error's name and stack, `node` where it ran.
 *
 * @example
 * ```ts
 * try { await client.process(parse, [text]) } catch (error) {
 *   if (error instanceof TaskError) console.error(error.remoteName, error.remoteStack)
 * }
 * ```
 */
export class TaskError extends ArgonError {
  declare readonly remoteName: string
  declare readonly remoteStack: string
  /** The remote error's own `code` property, if it had one. */
  readonly remoteCode: string | undefined
  /**
   * What the task threw when it was not an Error (`throw 42`, `throw { reason }`), rebuilt from
   * its JSON form (its String form if it has none); undefined when an Error was thrown.
   */
  readonly thrown: unknown

  constructor(
    message: string,
    options: {
      remoteName: string
      remoteStack: string
      remoteCode?: string
      node?: string
      thrown?: unknown
      data?: Record<string, unknown>
    },
  ) {
    super('TASK_FAILED', message, { ...options, retryable: false })
    this.name = 'TaskError'
    this.remoteCode = options.remoteCode
    this.thrown = options.thrown
  }
}

/**
 * Flattens any thrown value for the wire, within the wire's limits. An ArgonError keeps its code;
 * anything else gets `fallback` and keeps its name. The stack of the error object itself stays
 * home: Argon's own frames tell a user nothing and would cost bytes on every failed task; the
 * stack of the user's code travels as `remoteStack`.
 */
export function serializeError(error: unknown, fallback: ErrorCode = 'BAD_REQUEST'): WireError {
  const argon = asArgonError(error, fallback)
  const data: Record<string, unknown> = { ...argon.data }
  if (argon.remoteName !== undefined) data.remoteName = cutText(argon.remoteName, NAME_CHARS)
  if (argon.remoteStack !== undefined) data.remoteStack = cutText(argon.remoteStack, TEXT_CHARS)
  if (argon instanceof TaskError) {
    if (argon.remoteCode !== undefined) data.remoteCode = cutText(argon.remoteCode, NAME_CHARS)
    if (argon.thrown !== undefined) data.thrown = cutText(thrownText(argon.thrown), THROWN_CHARS)
  }
  const wire: WireError = {
    name: cutText(argon.name, NAME_CHARS),
    code: argon.code,
    message: cutText(argon.message, TEXT_CHARS),
    retryable: argon.retryable,
  }
  if (argon.node !== undefined) wire.node = argon.node
  if (Object.keys(data).length > 0) wire.data = data
  return wire
}

/**
 * Rebuilds the right error class from its wire form (TaskError for TASK_FAILED, ArgonError for
 * the rest). A stack it arrives with (a peer may send one) becomes its stack.
 */
export function restoreError(wire: WireError): ArgonError {
  const { remoteName, remoteStack, ...rest } = wire.data ?? {}
  const remote = {
    node: wire.node,
    remoteName: typeof remoteName === 'string' ? remoteName : undefined,
    remoteStack: typeof remoteStack === 'string' ? remoteStack : undefined,
  }
  let error: ArgonError
  if (wire.code === 'TASK_FAILED') {
    const { remoteCode, thrown, ...data } = rest
    error = new TaskError(wire.message, {
      ...remote,
      remoteName: remote.remoteName ?? 'Error',
      remoteStack: remote.remoteStack ?? '',
      remoteCode: typeof remoteCode === 'string' ? remoteCode : undefined,
      thrown: typeof thrown === 'string' ? parseThrown(thrown) : undefined,
      data: nonEmpty(data),
    })
  } else {
    error = new ArgonError(wire.code, wire.message, { ...remote, retryable: wire.retryable, data: nonEmpty(rest) })
  }
  if (wire.stack !== undefined) error.stack = wire.stack
  return error
}

/** Any thrown value as an ArgonError: an ArgonError as it is, anything else coded `fallback`. */
export function asArgonError(error: unknown, fallback: ErrorCode): ArgonError {
  if (error instanceof ArgonError) return error
  if (error instanceof Error) {
    const wrapped = new ArgonError(fallback, String(error.message), { cause: error })
    if (error.name !== 'Error') wrapped.name = String(error.name)
    return wrapped
  }
  return new ArgonError(fallback, thrownText(error))
}

function nonEmpty(data: Record<string, unknown>): Record<string, unknown> | undefined {
  return Object.keys(data).length > 0 ? data : undefined
}

/** A thrown non-Error as text: its JSON when it has one, else its String form. */
function thrownText(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  try {
    const json = JSON.stringify(value) as string | undefined
    if (json !== undefined) return json
  } catch {
    // a cycle or a BigInt: fall through to the String form
  }
  try {
    return String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

function parseThrown(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}
