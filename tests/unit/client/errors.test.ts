import { describe, expect, it } from 'vitest'
import { wireErrorSchema } from '../../../protocol/index.js'
import { ArgonError, TaskError, fromWire, toWire } from '../../../client/errors.js'

describe('error round-trip', () => {
  it('rebuilds a TaskError with its remote name, stack, code and node', () => {
    const original = new TaskError('boom', {
      remoteName: 'RangeError',
      remoteStack: 'RangeError: boom\n    at x',
      remoteCode: 'E_RANGE',
      node: 'gpu-1',
    })
    const wire = toWire(original)
    expect(wireErrorSchema.safeParse(wire).success).toBe(true)
    const back = fromWire(wireErrorSchema.parse(JSON.parse(JSON.stringify(wire))))
    expect(back).toBeInstanceOf(TaskError)
    expect(back).toBeInstanceOf(ArgonError)
    expect(back).toMatchObject({
      code: 'TASK_FAILED',
      message: 'boom',
      remoteName: 'RangeError',
      remoteCode: 'E_RANGE',
      node: 'gpu-1',
      retryable: false,
    })
    expect((back as TaskError).remoteStack).toContain('at x')
  })

  it('keeps other codes and their retryable flag', () => {
    for (const code of [
      'QUEUE_FULL',
      'WORKER_LOST',
      'TASK_TIMEOUT',
      'CANCELLED',
      'UNAUTHORIZED',
      'BAD_REQUEST',
    ] as const) {
      const back = fromWire(toWire(new ArgonError(code, 'x', { data: { attempts: 3 } })))
      expect(back).not.toBeInstanceOf(TaskError)
      expect(back.code).toBe(code)
      expect(back.retryable).toBe(code === 'QUEUE_FULL' || code === 'WORKER_LOST')
      expect(back.data).toEqual({ attempts: 3 })
    }
  })
})
