import { MAX_FUNCTION_SOURCE_CHARS, functionEntry, type FunctionEntry, type TaskFunction } from '../protocol/index.js'
import { ArgonError } from '../protocol/argon-error.js'
import { whyCannotTravel } from './travel-check.js'

/** A named export of a module the worker machine can import (an absolute path, a file URL or a package name). */
export interface ModuleTask {
  module: string
  export: string
}

const cache = new WeakMap<object, FunctionEntry>()
/** Checked sources: a closure created per call is a new object with the same text. */
const checkedSources = new Map<string, FunctionEntry>()

/**
 * Turns what the caller passed into what travels. A function travels as its source text and is
 * rebuilt in the child, so it sees no closure variables (only its arguments and globals) and loads
 * modules with `await import(…)`. Functions whose source cannot be rebuilt (bound, native, class,
 * method shorthand) or that use what does not travel (a closure variable, an import, `require`,
 * an arrow's outer `this`) are refused here with BAD_REQUEST and what to do instead. Helpers that
 * build tools call from inside functions (tsx/esbuild, TypeScript, Babel, SWC) are supplied on the
 * workers.
 */
export function toTaskFunction(fn: unknown): TaskFunction {
  return toFunctionEntry(fn).fn
}

/** `toTaskFunction` with the function's key, cached per function object and per source text. */
export function toFunctionEntry(fn: unknown): FunctionEntry {
  if (typeof fn === 'object' && fn !== null && !Array.isArray(fn)) {
    const task = fn as Partial<ModuleTask>
    if (
      typeof task.module !== 'string' ||
      task.module.length === 0 ||
      typeof task.export !== 'string' ||
      task.export.length === 0
    ) {
      throw new ArgonError('BAD_REQUEST', 'a module task needs { module: string, export: string }')
    }
    const known = cache.get(fn)
    if (known?.fn.kind === 'module' && known.fn.module === task.module && known.fn.export === task.export) return known
    const entry = functionEntry({ kind: 'module', module: task.module, export: task.export })
    cache.set(fn, entry)
    return entry
  }
  if (typeof fn !== 'function')
    throw new ArgonError('BAD_REQUEST', `expected a function or { module, export }, got ${typeof fn}`)
  const known = cache.get(fn)
  if (known) return known
  const source = Function.prototype.toString.call(fn)
  const checked = checkedSources.get(source)
  if (checked) {
    cache.set(fn, checked)
    return checked
  }
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new ArgonError(
      'BAD_REQUEST',
      `function ${fn.name || '(anonymous)'} is native or bound and cannot travel; pass an arrow or function expression`,
    )
  }
  if (/^class\b/.test(source)) throw new ArgonError('BAD_REQUEST', 'a class cannot run as a task; pass a function')
  if (source.length > MAX_FUNCTION_SOURCE_CHARS)
    throw new ArgonError('BAD_REQUEST', `function source is over ${MAX_FUNCTION_SOURCE_CHARS} characters`)
  let why: string | null
  try {
    // Parse only: the child rebuilds it the same way.
    why = whyCannotTravel(source)
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new ArgonError(
        'BAD_REQUEST',
        'this function cannot travel (method shorthand?); pass an arrow or function expression',
      )
    // The check itself failed on something it does not know: let the worker be the judge.
    why = null
  }
  if (why !== null) throw new ArgonError('BAD_REQUEST', `function ${fn.name || '(anonymous)'} cannot travel: ${why}`)
  const task = functionEntry({ kind: 'source', source })
  cache.set(fn, task)
  if (checkedSources.size >= 1000) checkedSources.clear()
  checkedSources.set(source, task)
  return task
}
