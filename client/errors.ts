import { RETRYABLE_CODES, type ErrorCode, type WireError } from '../protocol/index.js'

/**
 * Every error the client library throws. Branch on `code`, never on the message.
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

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable?: boolean; node?: string; data?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ArgonError'
    this.code = code
    this.retryable = options.retryable ?? RETRYABLE_CODES.has(code)
    this.node = options.node
    this.data = options.data
  }
}

/**
 * A task threw: `message` is the remote message, `remoteName` / `remoteStack` the remote error's
 * name and stack, `node` where it ran.
 */
export class TaskError extends ArgonError {
  readonly remoteName: string
  readonly remoteStack: string
  /** The remote error's own `code` property, if it had one. */
  readonly remoteCode: string | undefined
  /**
   * What the task threw when it was not an Error (`throw 42`, `throw { reason }`), rebuilt from
   * its JSON form (its String form if it has none); undefined when an Error was thrown.
   */
  readonly thrown: unknown

  constructor(
    message: string,
    options: { remoteName: string; remoteStack: string; remoteCode?: string; node?: string; thrown?: unknown },
  ) {
    super('TASK_FAILED', message, { retryable: false, node: options.node, data: { remoteName: options.remoteName } })
    this.name = 'TaskError'
    this.remoteName = options.remoteName
    this.remoteStack = options.remoteStack
    this.remoteCode = options.remoteCode
    this.thrown = options.thrown
  }
}

/** Rebuilds the right error class from its wire form. */
export function fromWire(error: WireError): ArgonError {
  if (error.code === 'TASK_FAILED') {
    const data = error.data ?? {}
    return new TaskError(error.message, {
      remoteName: typeof data.remoteName === 'string' ? data.remoteName : 'Error',
      remoteStack: typeof data.remoteStack === 'string' ? data.remoteStack : '',
      remoteCode: typeof data.remoteCode === 'string' ? data.remoteCode : undefined,
      node: error.node,
      thrown: typeof data.thrown === 'string' ? parseThrown(data.thrown) : undefined,
    })
  }
  return new ArgonError(error.code, error.message, { retryable: error.retryable, node: error.node, data: error.data })
}

/** Flattens an error for the wire (the inverse of fromWire). */
export function toWire(error: ArgonError): WireError {
  if (error instanceof TaskError) {
    return {
      name: error.name,
      code: error.code,
      message: error.message,
      retryable: false,
      node: error.node,
      data: {
        remoteName: error.remoteName,
        remoteStack: error.remoteStack,
        ...(error.remoteCode ? { remoteCode: error.remoteCode } : {}),
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- what JSON cannot hold (a function, a symbol) is shown as String shows it
        ...(error.thrown !== undefined ? { thrown: JSON.stringify(error.thrown) ?? String(error.thrown) } : {}),
      },
    }
  }
  return {
    name: error.name,
    code: error.code,
    message: error.message,
    retryable: error.retryable,
    node: error.node,
    data: error.data,
    stack: error.stack,
  }
}

function parseThrown(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}
