/**
 * What keeps a function from travelling, found before it is sent: a function travels as its
 * source text and is rebuilt on a worker, where only its arguments, globals and build-tool helpers
 * exist. A free variable that is none of those (a closure variable, an import, `require`) or a
 * `this` from where the function was written would fail there; here the caller learns at once
 * what to change.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- projects that reach this file through imports (e2e, examples) do not include the declaration
/// <reference path="./types/eslint-scope.d.ts" />
import { parse, type Node } from 'acorn'
import { analyze } from 'eslint-scope'

/**
 * Helper names build tools call from inside functions, which the workers supply: esbuild's
 * `__name`, TypeScript's `__awaiter`…, Babel's `_asyncToGenerator`…, SWC's `_async_to_generator`….
 */
const BUILD_HELPER = /^(?:__[A-Za-z]\w*|_[a-z][A-Za-z\d]*|_[a-z\d]+(?:_[a-z\d]+)+)$/

/** Returns why `source` cannot travel, or null when it can. Throws a SyntaxError if it does not parse. */
export function whyCannotTravel(source: string): string | null {
  const program = parse(`(${source}\n)`, { ecmaVersion: 'latest', sourceType: 'script', ranges: true })
  const free = new Set<string>()
  for (const reference of analyze(program, { ecmaVersion: 2022, sourceType: 'script' }).globalScope.through)
    free.add(reference.identifier.name)
  for (const name of free) {
    if (name in globalThis) continue
    if (name === 'require')
      return 'it calls `require`, which workers do not have: load modules inside the function with `await import(…)`'
    if (/^tslib(_\d+)?$/.test(name)) {
      return `it calls TypeScript helpers through \`${name}\` (compiled with importHelpers): compile without importHelpers, the workers supply the helpers`
    }
    if (/^_ref\d*$/.test(name)) {
      return `Babel turned this async function into a wrapper around \`${name}\` (async functions for an old target), which does not travel: set preset-env's targets to the workers' Node (e.g. { node: 20 }), or send { module, export } instead`
    }
    if (/^_(?:excluded|templateObject)\d*$/.test(name)) {
      return `Babel hoisted \`${name}\` out of the function (object rest or a tagged template for an old target), so it does not travel: set preset-env's targets to the workers' Node (e.g. { node: 20 }), or send { module, export } instead`
    }
    if (/^_\w+\d$/.test(name)) {
      return `it uses \`${name}\`, which looks like a build helper imported as a module (Babel or SWC with runtime helpers in CommonJS): inline the helpers, or send { module, export } instead`
    }
    if (BUILD_HELPER.test(name)) continue
    return `it uses \`${name}\` from outside the function (a closure variable or an import), and only its arguments and globals reach the worker: pass \`${name}\` as an argument, load modules inside with \`await import(…)\`, or send { module, export } instead`
  }
  const root = (program.body[0] as unknown as { expression: Node }).expression
  if (root.type === 'ArrowFunctionExpression' && usesOuterThis(root)) {
    return 'it uses `this` from where the arrow function was written, which does not travel: pass what it needs as an argument'
  }
  return null
}

/** Does `node` use a `this` it does not own (one that is not inside a nested non-arrow function)? */
function usesOuterThis(node: Node): boolean {
  let found = false
  const visit = (value: unknown, parentCall: Node | null): void => {
    if (found || value === null || typeof value !== 'object') return
    if (Array.isArray(value)) {
      for (const item of value) visit(item, parentCall)
      return
    }
    const current = value as Node & Record<string, unknown>
    if (typeof current.type !== 'string') return
    if (current.type === 'FunctionExpression' || current.type === 'FunctionDeclaration' || current.type === 'ClassBody')
      return
    if (current.type === 'ThisExpression') {
      // TypeScript passes the lexical `this` to `__awaiter` when it lowers an async arrow; unused.
      if (!isAwaiterThisArg(parentCall, current)) found = true
      return
    }
    for (const [key, child] of Object.entries(current)) {
      if (key !== 'type' && key !== 'start' && key !== 'end')
        visit(child, current.type === 'CallExpression' ? current : null)
    }
  }
  visit((node as unknown as { body: unknown }).body, null)
  return found
}

function isAwaiterThisArg(call: Node | null, thisNode: Node): boolean {
  if (call === null) return false
  const { callee, arguments: args } = call as unknown as { callee: { type: string; name?: string }; arguments: Node[] }
  return callee.type === 'Identifier' && callee.name === '__awaiter' && args[0] === thisNode
}
