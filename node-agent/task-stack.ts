/**
 * Stacks that point at the user's code. A shipped function is compiled with a `sourceURL`
 * naming it (`argon-task/<name>-<hash>.js`), so its frames read at the user's own line and
 * column; Argon's own frames (this child's entry, Node's internals) are cut from the stack
 * that travels back; and a thrown non-Error keeps its value and gets a stack of its own.
 */
import { createHash } from 'node:crypto'

type Callable = (...args: unknown[]) => unknown

/** The scheme-less prefix of every shipped function's source URL. */
export const TASK_SOURCE_PREFIX = 'argon-task/'

const urls = new WeakMap<Callable, string>()

/** `argon-task/<function name or "anonymous">-<8 hex of its source>.js` */
export function taskSourceUrl(source: string): string {
  const named = /^\s*(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)/.exec(source)?.[1] ?? 'anonymous'
  const hash = createHash('sha1').update(source).digest('hex').slice(0, 8)
  return `${TASK_SOURCE_PREFIX}${named}-${hash}.js`
}

/** Remembers which source URL a compiled function has (for the stack of a non-Error throw). */
export function rememberSourceUrl(fn: Callable, url: string): void {
  urls.set(fn, url)
}

/** Frames that belong to Argon's child process or to Node itself, never to the user. */
const OWN_FRAME =
  /\((?:node:internal\/|node:|.*[\\/]node-agent[\\/](?:child-entry|task-source|task-stack)\.[cm]?[jt]s:)|^\s*at (?:node:internal\/|.*[\\/]node-agent[\\/](?:child-entry|task-source|task-stack)\.[cm]?[jt]s:)|^\s*at (?:new Promise|Array\.map|process\.processTicksAndRejections) \(<anonymous>\)$/

/**
 * The stack with Argon's own frames cut: the message lines and every frame of the user's code
 * (shipped functions, modules they import). Frames of a shipped function read
 * `argon-task/name-hash.js:LINE:COL`, LINE and COL counted in the function's own source.
 */
export function userStack(stack: string): string {
  const lines = stack.split('\n')
  const kept: string[] = []
  for (const line of lines) {
    const frame = /^\s+at /.test(line)
    if (frame && OWN_FRAME.test(line)) continue
    kept.push(frame ? line.replace(/eval at [^)]*\)?,? ?/g, '').replace(/\(\s*(argon-task\/)/, '($1') : line)
  }
  return kept.join('\n')
}

/** How a thrown value is described to the user: message, name and stack (the value itself travels as TaskError.thrown). */
export interface ThrownShape {
  message: string
  name: string
  stack: string
}

/** Describes what a task threw, for its wire error. */
export function describeThrown(thrown: unknown, fn?: Callable): ThrownShape {
  if (thrown instanceof Error) {
    return {
      message: String(thrown.message),
      name: String(thrown.name),
      stack: typeof thrown.stack === 'string' ? userStack(thrown.stack) : '',
    }
  }
  const text = textOf(thrown)
  const name = thrown === null ? 'null' : typeof thrown
  const where = fn !== undefined ? urls.get(fn) : undefined
  // No stack exists for a non-Error: give it one that says what was thrown and from which function.
  const stack = `Uncaught ${name} value: ${text}\n    at ${fn?.name || 'task'} (${where ?? 'task function'})`
  return { message: `non-Error thrown: ${text}`, name, stack }
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    try {
      return String(value)
    } catch {
      return Object.prototype.toString.call(value)
    }
  }
}
