import { describe, expect, it } from 'vitest'
import { compileTaskSource } from '../../../node-agent/task-source.js'
import { describeThrown, taskSourceUrl, userStack } from '../../../node-agent/task-stack.js'

function thrownBy(fn: (...args: unknown[]) => unknown, ...args: unknown[]): unknown {
  try {
    fn(...args)
  } catch (error) {
    return error
  }
  throw new Error('did not throw')
}

describe('stacks that point at user code', () => {
  it('names a shipped function in its frames, at the line and column of its own source', () => {
    const source = 'function parseRow(row) {\n  const cells = row.split(",")\n  return cells[3].trim()\n}'
    const fn = compileTaskSource(source)
    const error = thrownBy(fn, 'a,b') as Error
    const url = taskSourceUrl(source)
    expect(url).toMatch(/^argon-task\/parseRow-[0-9a-f]{8}\.js$/)
    const stack = userStack(error.stack!)
    expect(stack.split('\n')[0]).toMatch(/^TypeError: Cannot read properties of undefined/)
    expect(stack).toContain(`at parseRow (${url}:3:19)`)
    // Nothing of Argon's own child code, and no `eval at …` noise.
    expect(stack).not.toMatch(/task-source|child-entry|eval at|node:internal/)
  })

  it('keeps line numbers when build helpers are supplied around the function', () => {
    const source =
      'async (x) => {\n  await __awaiter(void 0, void 0, void 0, function* () {})\n  throw new RangeError("bad " + x)\n}'
    const fn = compileTaskSource(source)
    return (fn(7) as Promise<unknown>).then(
      () => expect.unreachable(),
      (error: Error) => {
        expect(error.message).toBe('bad 7')
        expect(userStack(error.stack!)).toMatch(/argon-task\/anonymous-[0-9a-f]{8}\.js:3:/)
      },
    )
  })

  it('gives a thrown non-Error a message with its value and a stack of its own', () => {
    const fn = compileTaskSource('function check(n) { throw { reason: "too big", n } }')
    const shape = describeThrown(thrownBy(fn, 9), fn)
    expect(shape.message).toBe('non-Error thrown: {"reason":"too big","n":9}')
    expect(shape.name).toBe('object')
    expect(shape.stack).toMatch(/^Uncaught object value: .*\n\s+at check \(argon-task\/check-[0-9a-f]{8}\.js\)$/)
    expect(describeThrown(42).message).toBe('non-Error thrown: 42')
    expect(describeThrown('plain').message).toBe('non-Error thrown: plain')
    expect(describeThrown(Object.create(null)).stack).toContain('Uncaught object value')
  })
})
