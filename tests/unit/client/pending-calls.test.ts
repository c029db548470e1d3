import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FrameBatcher, functionEntry, type CancelRequest } from '../../../protocol/index.js'
import { ArgonError } from '../../../protocol/argon-error.js'
import { JobReports } from '../../../client/job-reports.js'
import { OutputDelivery } from '../../../client/output-printer.js'
import { PendingCalls, type Call } from '../../../client/pending-calls.js'
import type { JobTracker } from '../../../client/job.js'

function setUp() {
  const cancelled: CancelRequest[] = []
  const cancels = new FrameBatcher<CancelRequest>((requests) => void cancelled.push(...requests))
  const jobs = new JobReports({ connected: false, send: () => undefined })
  const calls = new PendingCalls(jobs, new OutputDelivery('ignore'), cancels)
  const settled = new Map<string, { value?: unknown; error?: ArgonError }>()
  const call = (id: string, extra: { timeout?: number; signal?: AbortSignal; job?: JobTracker } = {}): Call => ({
    submission: {
      id,
      fn: functionEntry({ kind: 'source', source: '() => 1' }),
      args: Buffer.alloc(0),
      priority: 1,
      timeout: extra.timeout ?? 0,
    },
    resolve: (value) => void settled.set(id, { value }),
    reject: (error) => void settled.set(id, { error }),
    retries: 0,
    retryTimer: null,
    timeoutTimer: null,
    signal: extra.signal,
    onAbort: null,
    job: extra.job ?? null,
    id,
  })
  const flushCancels = () => {
    cancels.flush()
    return cancelled
  }
  return { calls, jobs, settled, call, flushCancels }
}

describe('PendingCalls', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('fails a call with TASK_TIMEOUT after its timeout and stops its task on the cluster', () => {
    const { calls, settled, call, flushCancels } = setUp()
    calls.add(call('a', { timeout: 500 }))
    vi.advanceTimersByTime(499)
    expect(settled.has('a')).toBe(false)
    vi.advanceTimersByTime(1)
    expect(settled.get('a')?.error?.code).toBe('TASK_TIMEOUT')
    expect(calls.has('a')).toBe(false)
    expect(flushCancels()).toEqual([{ id: 'a', reason: 'timeout' }])
  })

  it('cancels a call when its signal aborts, and forgets the signal once the call is answered', () => {
    const { calls, settled, call, flushCancels } = setUp()
    const first = new AbortController()
    const second = new AbortController()
    calls.add(call('a', { signal: first.signal }))
    const answered = call('b', { signal: second.signal, timeout: 100 })
    calls.add(answered)
    first.abort()
    expect(settled.get('a')?.error?.code).toBe('CANCELLED')
    calls.settleValue(answered, 42)
    second.abort()
    vi.advanceTimersByTime(1000)
    expect(settled.get('b')).toEqual({ value: 42 })
    expect(flushCancels()).toEqual([{ id: 'a', reason: 'cancel' }])
  })

  it('cancels a job: its calls reject with CANCELLED and count as neither done nor failed; other calls go on', () => {
    const { calls, jobs, settled, call, flushCancels } = setUp()
    const job = jobs.open('batch', undefined)
    calls.add(call('j1', { job }))
    calls.add(call('j2', { job }))
    calls.add(call('other'))
    calls.settleValue(calls.get('j1')!, 'done')
    calls.cancelJob(job, 'by an operator')
    expect(settled.get('j2')?.error).toMatchObject({
      code: 'CANCELLED',
      message: 'job "batch" was cancelled by an operator',
    })
    expect(job.progress()).toMatchObject({ total: 2, done: 1, failed: 0, inFlight: 0, state: 'cancelled' })
    expect(calls.has('other')).toBe(true)
    expect(flushCancels()).toEqual([{ id: 'j2', reason: 'cancel' }])
  })

  it('fails every call at once when the link fails, without cancelling on the cluster; cancelAll also cancels there', () => {
    const { calls, settled, call, flushCancels } = setUp()
    calls.add(call('a'))
    calls.add(call('b'))
    calls.failAll(new ArgonError('UNAUTHORIZED', 'refused'))
    expect([...settled.values()].map((answer) => answer.error?.code)).toEqual(['UNAUTHORIZED', 'UNAUTHORIZED'])
    expect(flushCancels()).toEqual([])
    calls.add(call('c'))
    calls.cancelAll(new ArgonError('CANCELLED', 'the client was closed'))
    expect(settled.get('c')?.error?.code).toBe('CANCELLED')
    expect([...calls.values()]).toEqual([])
    expect(flushCancels()).toEqual([{ id: 'c', reason: 'cancel' }])
  })
})
