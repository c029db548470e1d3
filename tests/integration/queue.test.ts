/**
 * The bounded queue: rejections with QUEUE_FULL, the client's retries, and priorities.
 */
import { describe, expect, it } from 'vitest'
import { ArgonError } from '../../client/index.js'
import {
  expectCode,
  fixture,
  markerDir,
  openClient,
  startCluster,
  waitForFiles,
  waitForStatus,
  withTimeout,
} from './support.js'

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

function outcome(promise: Promise<unknown>): Promise<Outcome> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  )
}

describe('bounded queue', () => {
  it('rejects with QUEUE_FULL when the queue is full and the client does not retry', async () => {
    const { manager } = await startCluster({
      agents: [{ name: 'alpha', workers: 1 }],
      managerArgs: ['--queue-size', '1'],
    })
    const client = openClient(manager, { retries: 0 })

    const outcomes = await withTimeout(
      Promise.all(Array.from({ length: 12 }, (_, i) => outcome(client.process(fixture('sleep'), [200, i])))),
      30_000,
      'the batch',
    )
    const failures = outcomes.filter((o): o is { ok: false; error: unknown } => !o.ok)
    const successes = outcomes.filter((o): o is { ok: true; value: unknown } => o.ok)
    expect(failures.length).toBeGreaterThan(0)
    expect(successes.length).toBeGreaterThan(0)
    for (const failure of failures) {
      expect(failure.error).toBeInstanceOf(ArgonError)
      expect((failure.error as ArgonError).code).toBe('QUEUE_FULL')
    }
    // Accepted tasks still run to the end with their own values.
    outcomes.forEach((o, i) => {
      if (o.ok) expect(o.value).toBe(i)
    })

    const status = await client.status()
    expect(status.queueLimit).toBe(1)
    expect(status.rejected).toBeGreaterThanOrEqual(failures.length)
    // The cluster is not stuck afterwards.
    await expect(client.process(fixture('fib'), [10])).resolves.toBe(55)
  })

  it('gets every task through a full queue when the client retries', async () => {
    const { manager } = await startCluster({
      agents: [{ name: 'alpha', workers: 1 }],
      managerArgs: ['--queue-size', '1'],
    })
    const client = openClient(manager, { retries: 100, retryDelay: 50 })

    const values = await withTimeout(
      Promise.all(Array.from({ length: 10 }, (_, i) => client.process(fixture('sleep'), [100, i]))),
      40_000,
      'the retried batch',
    )
    expect(values).toEqual(Array.from({ length: 10 }, (_, i) => i))
    // Some of them really did meet a full queue on the way.
    expect((await client.status()).rejected).toBeGreaterThan(0)
  })

  it('retries QUEUE_FULL by default until the task gets in', async () => {
    const { manager } = await startCluster({
      agents: [{ name: 'alpha', workers: 1 }],
      managerArgs: ['--queue-size', '1'],
    })
    const filler = openClient(manager, { retries: 0 })
    const patient = openClient(manager)
    const dir = markerDir()

    // The only worker runs a long task and the one queue place is taken: the queue is full.
    const blocker = filler.process(fixture('markAndSleep'), [dir, 'blocker', 1500])
    await waitForFiles(dir, 1)
    const queued = filler.process(fixture('sleep'), [100, 'queued'])
    await waitForStatus(filler, (s) => expect(s.queued).toBe(1))
    await expectCode(filler.process(fixture('fib'), [5]), 'QUEUE_FULL')
    const rejectedBefore = (await patient.status()).rejected

    await expect(withTimeout(patient.process(fixture('fib'), [15]), 30_000, 'the patient task')).resolves.toBe(610)
    // It was turned away at least once and got in by retrying.
    expect((await patient.status()).rejected).toBeGreaterThan(rejectedBefore)
    await expect(queued).resolves.toBe('queued')
    await blocker
  })

  it('runs high-priority tasks ahead of queued low-priority ones', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha', workers: 1 }] })
    const client = openClient(manager)
    const dir = markerDir()

    // Occupy the only worker so everything after this waits in the queue.
    const blocker = client.process(fixture('markAndSleep'), [dir, 'blocker', 800])
    await waitForFiles(dir, 1)

    const finished: string[] = []
    const track = (label: string, promise: Promise<unknown>) => promise.then(() => finished.push(label))
    const lows = Array.from({ length: 10 }, (_, i) =>
      track(`low-${i}`, client.process(fixture('sleep'), [20, i], { priority: 'low' })),
    )
    const highs = Array.from({ length: 2 }, (_, i) =>
      track(`high-${i}`, client.process(fixture('sleep'), [20, i], { priority: 'high' })),
    )
    await withTimeout(Promise.all([blocker, ...lows, ...highs]), 20_000, 'all tasks')

    // A few lows may already sit in the agent's bounded prefetch; the highs still beat most of them.
    const lastHigh = Math.max(finished.indexOf('high-0'), finished.indexOf('high-1'))
    expect(lastHigh).toBeLessThan(finished.length / 2)
  })
})
