/**
 * Turns a task function's source text back into a function, inside a pool child.
 *
 * Build tools put small helpers at the top of a module and call them from inside functions:
 * esbuild (and so tsx) wraps inner functions in `__name(fn, "fn")`, TypeScript calls `__awaiter`,
 * `__rest`, `__assign`… when it lowers syntax, Babel calls `_asyncToGenerator`, `_objectSpread2`…,
 * SWC `_async_to_generator`, `_object_spread`…. A function that travels alone leaves those helpers
 * behind, so the ones its source names are supplied here, from the packages those tools take them
 * from (tslib, @babel/runtime, @swc/helpers), as parameters of a wrapper: nothing is added to the
 * child's globals.
 */
import { createRequire } from 'node:module'
import { rememberSourceUrl, taskSourceUrl } from './task-stack.js'

type Callable = (...args: unknown[]) => unknown

const require = createRequire(import.meta.url)

/** esbuild's own helper (it is not in a package): names a function as its source did. */
function esbuildName(target: object, value: string): object {
  return Object.defineProperty(target, 'name', { value, configurable: true })
}

/** Identifiers that may name a helper: `_x` or `__x`, not a property (`obj._x`). */
const HELPER_CANDIDATE = /(?<![\w$.])(_{1,2}[A-Za-z][\w$]*)/g

const resolved = new Map<string, Callable | null>()

function loadHelper(name: string): Callable | null {
  if (name === '__name') return esbuildName as Callable
  try {
    if (name.startsWith('__')) return pickFunction((require('tslib') as Record<string, unknown>)[name])
    if (/^_[a-z\d]+(?:_[a-z\d]+)+$/.test(name)) {
      const swc = require(`@swc/helpers/_/${name}`) as Record<string, unknown>
      return pickFunction(swc[name] ?? swc._)
    }
    if (/^_[a-z][A-Za-z\d]*$/.test(name)) {
      const babel = require(`@babel/runtime/helpers/${name.slice(1)}`) as unknown
      return pickFunction(babel) ?? pickFunction((babel as { default?: unknown }).default)
    }
  } catch {
    // no such helper in the packages: the name is the function's own business
  }
  return null
}

function pickFunction(value: unknown): Callable | null {
  return typeof value === 'function' ? (value as Callable) : null
}

function helper(name: string): Callable | null {
  let found = resolved.get(name)
  if (found === undefined) {
    found = loadHelper(name)
    resolved.set(name, found)
  }
  return found
}

/**
 * Rebuilds a task function from its source. It sees globals, its arguments and the build helpers
 * it calls, never this module's scope (indirect eval).
 */
export function compileTaskSource(source: string): Callable {
  const names: string[] = []
  const helpers: Callable[] = []
  for (const match of source.matchAll(HELPER_CANDIDATE)) {
    const name = match[1]!
    if (names.includes(name) || name in globalThis) continue
    const found = helper(name)
    if (found) {
      names.push(name)
      helpers.push(found)
    }
  }
  // The source starts on the first line (after a short prefix), so stack lines match the user's;
  // the sourceURL names the function in every frame instead of `eval at …`.
  const url = taskSourceUrl(source)
  const made: unknown =
    names.length === 0
      ? (0, eval)(`(${source}\n)\n//# sourceURL=${url}`)
      : (
          (0, eval)(`(function (${names.join(', ')}) { return (${source}\n)\n})\n//# sourceURL=${url}`) as (
            ...supplied: Callable[]
          ) => unknown
        )(...helpers)
  if (typeof made !== 'function') throw new TypeError('task source is not a function')
  rememberSourceUrl(made as Callable, url)
  return made as Callable
}
