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

describe('toTaskFunction', () => {
  it('ships arrows, function expressions and async functions as source', () => {
    expect(toTaskFunction((x: number) => x + 1)).toEqual({ kind: 'source', source: '(x) => x + 1' })
    expect(toTaskFunction(function add(a: number, b: number) { return a + b }).kind).toBe('source')
    expect(toTaskFunction(async () => 1).kind).toBe('source')
  })

  it('ships a module export by name', () => {
    expect(toTaskFunction({ module: '/abs/tasks.mjs', export: 'fib' })).toEqual({ kind: 'module', module: '/abs/tasks.mjs', export: 'fib' })
  })

  it('refuses what cannot travel with BAD_REQUEST', () => {
    const add = (a: number, b: number) => a + b
    expect(codeOf(() => toTaskFunction(add.bind(null, 1)))).toBe('BAD_REQUEST')
    expect(codeOf(() => toTaskFunction(Math.max))).toBe('BAD_REQUEST')
    expect(codeOf(() => toTaskFunction(class Job {}))).toBe('BAD_REQUEST')
    expect(codeOf(() => toTaskFunction({ run(x: number) { return x } }.run))).toBe('BAD_REQUEST')
    expect(codeOf(() => toTaskFunction({ module: '', export: 'x' }))).toBe('BAD_REQUEST')
    expect(codeOf(() => toTaskFunction(42))).toBe('BAD_REQUEST')
  })
})
