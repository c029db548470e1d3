import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ArgonError, nodeNameRequestSchema, valueOfReply, wireError } from '../../../protocol/index.js'

function thrown(run: () => unknown): ArgonError {
  try {
    run()
  } catch (error) {
    if (error instanceof ArgonError) return error
    throw error
  }
  throw new Error('nothing was thrown')
}

describe('valueOfReply', () => {
  it('gives the value of a reply that matches its schema', () => {
    expect(valueOfReply(nodeNameRequestSchema, { ok: true, value: { name: 'alpha' } })).toEqual({ name: 'alpha' })
    expect(valueOfReply(z.null(), { ok: true, value: null })).toBeNull()
  })

  it('throws a refusal as the ArgonError it was', () => {
    const error = thrown(() => valueOfReply(z.null(), { ok: false, error: wireError('NOT_FOUND', 'no node named x') }))
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'no node named x', retryable: false })
  })

  it('refuses with BAD_REQUEST what cannot be read, instead of trusting its shape', () => {
    for (const reply of [
      undefined,
      'ok',
      { ok: true },
      { ok: true, value: { name: 42 } },
      { ok: false, error: { code: 'NOT_A_CODE', message: 'm', name: 'x', retryable: false } },
      { ok: 'yes', value: { name: 'alpha' } },
    ]) {
      expect(thrown(() => valueOfReply(nodeNameRequestSchema, reply)).code).toBe('BAD_REQUEST')
    }
  })
})
