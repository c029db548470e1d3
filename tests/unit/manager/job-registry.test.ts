import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ArgonError } from '../../../protocol/index.js'
import { JobBoard } from '../../../manager/jobs/job-board.js'
import { JobRegistry } from '../../../manager/jobs/job-registry.js'
import type { JobCancelOrder, JobReport } from '../../../protocol/index.js'

function report(key: string, overrides: Partial<JobReport> = {}): JobReport {
  return { key, name: `job ${key}`, total: 100, done: 0, failed: 0, inFlight: 0, state: 'running', ...overrides }
}

describe('JobRegistry', () => {
  it('registers a job on its first report and follows its progress, rate and ETA', () => {
    const jobs = new JobRegistry()
    jobs.report('client-a', [report('1', { inFlight: 10 })], 0)
    expect(jobs.list(0)).toMatchObject([{ id: 1, name: 'job 1', state: 'running', done: 0, etaMs: null }])
    // 20 tasks a second for two seconds: 60 of 100 left at 20/s is 3 s.
    jobs.report('client-a', [report('1', { done: 38, failed: 2, inFlight: 10 })], 2000)
    const [job] = jobs.list(2000)
    expect(job).toMatchObject({ done: 38, failed: 2, inFlight: 10, rate: 20, etaMs: 3000, client: 'client-a' })
    // Nothing new for a long while: the rate falls to 0 and the ETA is unknown, without a new report.
    expect(jobs.list(30_000)[0]).toMatchObject({ rate: 0, etaMs: null })
    jobs.report('client-a', [report('1', { done: 98, failed: 2, state: 'failed' })], 31_000)
    expect(jobs.list(31_000)[0]).toMatchObject({ state: 'failed', finishedAt: 31_000, etaMs: null })
    expect(jobs.running).toBe(0)
  })

  it('cancels a running job once, keeps it cancelled, and asks the client again while it reports it running', () => {
    const jobs = new JobRegistry()
    jobs.report('client-a', [report('7')], 0)
    const first = jobs.cancel(1, 10)
    expect(first.order).toEqual({ clientId: 'client-a', key: '7' })
    expect(first.status).toMatchObject({ state: 'cancelled', cancelRequested: true, finishedAt: 10 })
    // The client had not heard yet: its report of a running job brings the order again, not the job back.
    expect(jobs.report('client-a', [report('7', { done: 5 })], 20).cancel).toEqual(['7'])
    expect(jobs.get(1, 20)).toMatchObject({ state: 'cancelled', done: 5 })
    expect(jobs.report('client-a', [report('7', { done: 5, state: 'cancelled' })], 30).cancel).toEqual([])
    // A finished job is not cancelled again; an unknown one is NOT_FOUND.
    expect(jobs.cancel(1, 40).order).toBeNull()
    expect(() => jobs.cancel(99, 40)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }) as Error)
  })

  it('abandons a job whose client stays away past the grace time, and revives it when the client is back', () => {
    const jobs = new JobRegistry({ awayGraceMs: 5000 })
    jobs.report('client-a', [report('1')], 0)
    jobs.clientDisconnected('client-a', 1000)
    expect(jobs.get(1, 1000)).toMatchObject({ state: 'running', clientConnected: false })
    expect(jobs.sweep(5999)).toEqual([])
    expect(jobs.get(1, 5999)?.state).toBe('running')
    jobs.clientConnected('client-a')
    jobs.clientDisconnected('client-a', 7000)
    expect(jobs.sweep(12_000)).toEqual([{ clientId: 'client-a', key: '1' }])
    expect(jobs.sweep(12_001)).toEqual([])
    expect(jobs.get(1, 12_000)).toMatchObject({ state: 'abandoned', finishedAt: 12_000 })
    jobs.report('client-a', [report('1', { done: 50 })], 13_000)
    expect(jobs.get(1, 13_000)).toMatchObject({ state: 'running', done: 50, finishedAt: null, clientConnected: true })
  })

  it('bounds running jobs per client and in all, and finished jobs by count and age', () => {
    const jobs = new JobRegistry({ maxPerClient: 3, maxRunning: 5, maxFinished: 2, finishedKeepMs: 1000 })
    const five = ['1', '2', '3', '4', '5'].map((key) => report(key))
    expect(jobs.report('a', five, 0).refused).toBe(2)
    expect(jobs.report('b', five, 0).refused).toBe(3)
    expect(jobs.running).toBe(5)
    // Finishing frees room; the oldest finished jobs go once over the count.
    jobs.report(
      'a',
      [report('1', { state: 'done' }), report('2', { state: 'done' }), report('3', { state: 'done' })],
      10,
    )
    expect(jobs.size).toBe(4)
    expect(jobs.list(10).map((job) => job.state)).toEqual(['running', 'running', 'done', 'done'])
    jobs.sweep(1010)
    expect(jobs.size).toBe(2)
  })

  it('lists running jobs first, newest first, then finished ones, most recent first, within the limit', () => {
    const jobs = new JobRegistry()
    jobs.report('a', [report('1'), report('2'), report('3')], 0)
    jobs.report('a', [report('1', { state: 'done' })], 10)
    jobs.report('a', [report('2', { state: 'cancelled' })], 20)
    expect(jobs.list(30).map((job) => job.id)).toEqual([3, 2, 1])
    expect(jobs.list(30, 2).map((job) => job.id)).toEqual([3, 2])
  })

  it('keeps its invariants under any sequence of reports, disconnects, cancels and sweeps (property)', () => {
    const limits = { maxPerClient: 4, maxRunning: 6, maxFinished: 5, finishedKeepMs: 5000, awayGraceMs: 2000 }
    const clients = ['a', 'b', 'c']
    const keys = ['1', '2', '3', '4', '5', '6']
    const command = fc.oneof(
      fc.record({
        kind: fc.constant('report' as const),
        client: fc.constantFrom(...clients),
        key: fc.constantFrom(...keys),
        done: fc.nat(50),
        state: fc.constantFrom('running', 'running', 'done', 'failed', 'cancelled' as const),
      }),
      fc.record({ kind: fc.constant('disconnect' as const), client: fc.constantFrom(...clients) }),
      fc.record({ kind: fc.constant('connect' as const), client: fc.constantFrom(...clients) }),
      fc.record({ kind: fc.constant('cancel' as const), id: fc.integer({ min: 1, max: 20 }) }),
      fc.record({ kind: fc.constant('sweep' as const) }),
    )
    fc.assert(
      fc.property(fc.array(fc.tuple(command, fc.nat(1500)), { maxLength: 120 }), (steps) => {
        const jobs = new JobRegistry(limits)
        let now = 0
        const cancelledByOperator = new Set<number>()
        for (const [step, advance] of steps) {
          now += advance
          if (step.kind === 'report')
            jobs.report(step.client, [report(step.key, { done: step.done, state: step.state })], now)
          else if (step.kind === 'disconnect') jobs.clientDisconnected(step.client, now)
          else if (step.kind === 'connect') jobs.clientConnected(step.client)
          else if (step.kind === 'sweep') jobs.sweep(now)
          else {
            try {
              if (jobs.cancel(step.id, now).order !== null) cancelledByOperator.add(step.id)
            } catch (error) {
              expect(error).toBeInstanceOf(ArgonError)
              expect((error as ArgonError).code).toBe('NOT_FOUND')
            }
          }
          const list = jobs.list(now)
          const running = list.filter((job) => job.state === 'running')
          // Counts agree with the list; every bound holds.
          expect(running.length).toBe(jobs.running)
          expect(list.length).toBe(jobs.size)
          expect(new Set(list.map((job) => job.id)).size).toBe(list.length)
          expect(jobs.running).toBeLessThanOrEqual(limits.maxRunning)
          expect(list.length - running.length).toBeLessThanOrEqual(limits.maxFinished)
          for (const client of clients)
            expect(running.filter((job) => job.client === client).length).toBeLessThanOrEqual(limits.maxPerClient)
          for (const job of list) {
            expect(job.finishedAt === null).toBe(job.state === 'running')
            expect(job.rate).toBeGreaterThanOrEqual(0)
            if (job.etaMs !== null) expect(job.state).toBe('running')
            // What an operator cancelled never runs again.
            if (cancelledByOperator.has(job.id)) expect(job.state).toBe('cancelled')
          }
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('JobBoard', () => {
  it("sends a cancel order to the job's client, again while it reports the job running, and never to another client", () => {
    const cancelled: string[] = []
    let clock = 1000
    const board = new JobBoard(
      {},
      (clientId, key) => cancelled.push(`${clientId}:${key}`),
      () => clock,
    )
    const ordersA: JobCancelOrder[] = []
    const ordersB: JobCancelOrder[] = []
    const socketA = { emit: (_event: 'job:cancel', order: JobCancelOrder) => ordersA.push(order) }
    const socketB = { emit: (_event: 'job:cancel', order: JobCancelOrder) => ordersB.push(order) }
    try {
      board.clientConnected('a', socketA)
      board.clientConnected('b', socketB)
      board.report('a', [report('k1')])
      board.report('b', [report('k1')])
      expect(board.cancel(1)).toMatchObject({ state: 'cancelled' })
      expect(ordersA).toEqual([{ key: 'k1' }])
      // The manager cancels the job's tasks itself too.
      expect(cancelled).toEqual(['a:k1'])
      // Away when cancelled: the order comes with its next report once back.
      board.clientDisconnected('b', socketB)
      board.cancel(2)
      expect(ordersB).toEqual([])
      expect(cancelled).toEqual(['a:k1', 'b:k1'])
      // A finished job is not cancelled again.
      board.cancel(1)
      expect(cancelled).toHaveLength(2)
      board.clientConnected('b', socketB)
      board.report('b', [report('k1', { done: 3 })])
      expect(ordersB).toEqual([{ key: 'k1' }])
      expect(ordersA).toEqual([{ key: 'k1' }])
      // A stale socket's disconnect does not mark the client away.
      board.clientDisconnected('a', socketB)
      expect(board.list().find((job) => job.id === 1)?.clientConnected).toBe(true)
      // A job abandoned by its client has its tasks cancelled.
      board.report('a', [report('k2')])
      board.clientDisconnected('a', socketA)
      clock += 60_000
      board.sweep()
      expect(cancelled).toEqual(['a:k1', 'b:k1', 'a:k2'])
      expect(board.list().find((job) => job.name === 'job k2')?.state).toBe('abandoned')
    } finally {
      board.close()
    }
  })
})
