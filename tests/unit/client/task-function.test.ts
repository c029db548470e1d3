import { describe, expect, it } from 'vitest'
import { toTaskFunction } from '../../../client/task-function.js'

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    return (error as { code?: string }).code
  }
  return undefined
}

/** A function built from source text, as it arrives after a build tool (helpers and all). */
function fromSource(source: string): (...args: never[]) => unknown {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call -- the test needs a function whose source is exactly this text
  return new Function(`return (${source})`)() as (...args: never[]) => unknown
}

describe('toTaskFunction', () => {
  it('ships arrows, function expressions and async functions as source', () => {
    expect(toTaskFunction((x: number) => x + 1)).toEqual({ kind: 'source', source: '(x) => x + 1' })
    expect(
      toTaskFunction(function add(a: number, b: number) {
        return a + b
      }).kind,
    ).toBe('source')
    expect(toTaskFunction(async () => 1).kind).toBe('source')
  })

  it('ships a module export by name', () => {
    expect(toTaskFunction({ module: '/abs/tasks.mjs', export: 'fib' })).toEqual({
      kind: 'module',
      module: '/abs/tasks.mjs',
      export: 'fib',
    })
  })

  it('refuses what cannot travel with BAD_REQUEST', () => {
    const add = (a: number, b: number) => a + b
    expect(codeOf(() => toTaskFunction(add.bind(null, 1)))).toBe('BAD_REQUEST')
    expect(codeOf(() => toTaskFunction(Math.max))).toBe('BAD_REQUEST')
    expect(codeOf(() => toTaskFunction(class Job {}))).toBe('BAD_REQUEST')
    expect(
      codeOf(() =>
        toTaskFunction(
          // eslint-disable-next-line @typescript-eslint/unbound-method -- the case under test: a method taken off its object
          {
            run(x: number) {
              return x
            },
          }.run,
        ),
      ),
    ).toBe('BAD_REQUEST')
    expect(codeOf(() => toTaskFunction({ module: '', export: 'x' }))).toBe('BAD_REQUEST')
    expect(codeOf(() => toTaskFunction(42))).toBe('BAD_REQUEST')
  })
})

describe('what cannot travel is named at the call', () => {
  function messageOf(fn: unknown): string {
    try {
      toTaskFunction(fn)
    } catch (error) {
      expect((error as { code?: string }).code).toBe('BAD_REQUEST')
      return (error as Error).message
    }
    throw new Error('expected BAD_REQUEST')
  }

  it('names a closure variable and says to pass it as an argument', () => {
    const factor = 3
    expect(messageOf((x: number) => x * factor)).toMatch(
      /`factor` from outside the function.*pass `factor` as an argument/,
    )
  })

  it('names require and points to await import', () => {
    expect(messageOf(fromSource('() => require("node:os").cpus().length'))).toMatch(/`require`.*await import/)
  })

  it('refuses an arrow that uses the `this` of where it was written', () => {
    const holder = {
      scale: 2,
      make() {
        return (x: number) => x * this.scale
      },
    }
    expect(messageOf(holder.make())).toMatch(/`this`/)
  })

  it('lets through globals, inner functions, own `this` in nested functions, await import and build helpers', () => {
    const ok = [
      (x: number) => Math.max(x, Number.MAX_SAFE_INTEGER) + process.pid,
      (xs: number[]) => {
        const square = (v: number) => v * v
        return xs.map(square)
      },
      async (name: string) => (await import('node:path')).basename(name),
      () =>
        function (this: unknown) {
          return this
        },
      fromSource('(x) => { const f = __name((v) => v, "f"); return f(x) }'),
      fromSource('(x) => __awaiter(this, void 0, void 0, function* () { return _object_spread({}, x) })'),
      fromSource('function (x) { return _asyncToGenerator(_regenerator().m(function _callee() {}))() }'),
    ]
    for (const fn of ok) expect(toTaskFunction(fn).kind).toBe('source')
  })
})
