/**
 * The agent's child processes: crashes, poison tasks, recycling, timeouts and cancellation.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import {
  expectCode,
  fixture,
  isAlive,
  killOrphans,
  markerDir,
  openClient,
  startCluster,
  waitForFiles,
  waitForStatus,
  withTimeout,
  type WhereRan,
} from './support.js'

function attempts(dir: string): number {
  return readdirSync(dir).filter((name) => name.startsWith('attempt-')).length
}

/** Runs `name` a few times with `args(i)`, so the cluster measures it (as short) before the test's own calls. */
async function measure(
  client: ReturnType<typeof openClient>,
  name: string,
  args: (i: number) => unknown[],
): Promise<void> {
  for (let i = 0; i < 5; i++) await client.process(fixture(name), args(i))
}

describe('child processes', () => {
  it('replaces a child that dies mid-task and runs the task again', async () => {
    const { manager, agents } = await startCluster({ agents: [{ name: 'alpha', workers: 1 }] })
    const client = openClient(manager)
    const dir = markerDir()

    const before = await client.process<[], WhereRan>(fixture('whoami'), [])
    // The first attempt kills its child; the retry (in a new child) returns the value.
    await expect(client.process(fixture('exitChildOnce'), [dir, 'crash', 'survived'])).resolves.toBe('survived')
    const after = await client.process<[], WhereRan>(fixture('whoami'), [])
    expect(after.pid).not.toBe(before.pid)
    expect(after.ppid).toBe(agents[0]!.pid)
    expect(isAlive(agents[0]!.pid)).toBe(true)
  })

  it('fails a poison task that keeps killing its child with WORKER_LOST after --max-attempts, and keeps serving', async () => {
    const { manager } = await startCluster({
      agents: [{ name: 'alpha', workers: 1 }],
      managerArgs: ['--max-attempts', '2'],
    })
    const client = openClient(manager)
    const dir = markerDir()

    await expectCode(withTimeout(client.process(fixture('exitChild'), [dir]), 20_000, 'the poison task'), 'WORKER_LOST')
    expect(attempts(dir)).toBe(2)

    await expect(client.process(fixture('fib'), [12])).resolves.toBe(144)
    const status = await client.status()
    expect(status.nodes[0]).toMatchObject({ name: 'alpha', state: 'active' })
    expect(status.failed).toBeGreaterThanOrEqual(1)
  })

  it('fails a task that kills its agent with WORKER_LOST after --max-attempts; the other agents keep serving', async () => {
    const { manager, agents } = await startCluster({
      agents: [{ name: 'alpha' }, { name: 'beta' }, { name: 'gamma' }],
      managerArgs: ['--max-attempts', '2'],
    })
    const client = openClient(manager)
    const dir = markerDir()
    try {
      await expectCode(
        withTimeout(client.process(fixture('killAgent'), [dir]), 20_000, 'the agent-killing task'),
        'WORKER_LOST',
      )
      // Exactly two attempts, each of which took an agent down.
      expect(readdirSync(dir).filter((name) => name.startsWith('orphan-'))).toHaveLength(2)
      await vi.waitFor(() => expect(agents.filter((agent) => agent.child.signalCode === 'SIGKILL')).toHaveLength(2), {
        timeout: 5_000,
      })

      const survivor = await client.process<[], WhereRan>(fixture('whoami'), [])
      expect(['alpha', 'beta', 'gamma']).toContain(survivor.node)
      await waitForStatus(client, (s) => expect(s.nodes.filter((node) => node.state === 'offline')).toHaveLength(2))
    } finally {
      killOrphans(dir)
    }
  })

  it('recycles a child after --max-requests tasks', async () => {
    const { manager, agents } = await startCluster({
      agents: [{ name: 'alpha', workers: 1, args: ['--max-requests', '2'] }],
    })
    const client = openClient(manager)

    const pids: number[] = []
    for (let i = 0; i < 5; i++) {
      const where = await client.process<[], WhereRan>(fixture('whoami'), [])
      expect(where.ppid).toBe(agents[0]!.pid)
      pids.push(where.pid)
    }
    expect(pids[1]).toBe(pids[0])
    expect(pids[2]).not.toBe(pids[1])
    expect(pids[3]).toBe(pids[2])
    expect(pids[4]).not.toBe(pids[3])
  })

  it('times a task out with TASK_TIMEOUT and frees its worker', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha', workers: 1 }] })
    const client = openClient(manager)

    // A busy loop cannot stop on its own: the child must be killed for the slot to come back.
    const started = Date.now()
    await expectCode(client.process(fixture('busy'), [15_000], { timeout: 300 }), 'TASK_TIMEOUT')
    expect(Date.now() - started).toBeLessThan(5_000)

    await expectCode(client.process(fixture('sleep'), [15_000, 'late'], { timeout: 200 }), 'TASK_TIMEOUT')

    const next = Date.now()
    await expect(client.process(fixture('fib'), [10])).resolves.toBe(55)
    expect(Date.now() - next).toBeLessThan(5_000)
  })

  it('cancels a running task with an AbortSignal (CANCELLED) and frees its worker', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha', workers: 1 }] })
    const client = openClient(manager)
    const dir = markerDir()

    const controller = new AbortController()
    const running = client.process(fixture('markAndBusy'), [dir, 'running', 15_000], { signal: controller.signal })
    await waitForFiles(dir, 1)
    const abortedAt = Date.now()
    controller.abort()
    await expectCode(running, 'CANCELLED')
    expect(Date.now() - abortedAt).toBeLessThan(3_000)

    const next = Date.now()
    await expect(client.process(fixture('fib'), [10])).resolves.toBe(55)
    expect(Date.now() - next).toBeLessThan(5_000)
  })

  it('cancels a queued task before it runs, and refuses an already-aborted signal', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha', workers: 1 }] })
    const client = openClient(manager)
    const dir = markerDir()

    const blockerControl = new AbortController()
    const blocker = client.process(fixture('markAndSleep'), [dir, 'blocker', 15_000], { signal: blockerControl.signal })
    await waitForFiles(dir, 1)

    const queuedControl = new AbortController()
    const queued = client.process(fixture('markAndSleep'), [dir, 'queued', 10], { signal: queuedControl.signal })
    queuedControl.abort()
    await expectCode(queued, 'CANCELLED')

    await expectCode(client.process(fixture('fib'), [5], { signal: AbortSignal.abort() }), 'CANCELLED')

    blockerControl.abort()
    await expectCode(blocker, 'CANCELLED')
    // FIFO: once this one has run, the cancelled one would have run too if it had not been dropped.
    await expect(client.process(fixture('fib'), [10])).resolves.toBe(55)
    expect(existsSync(join(dir, 'queued'))).toBe(false)
  })

  it('answers a fast task before the slow one behind it in the line ends, and never blames it for that one', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha', workers: 1 }] })
    const client = openClient(manager)
    const dir = markerDir()

    // Measured as a fast function, so the child takes the slow call behind the fast one in its line.
    const warmDir = markerDir()
    await measure(client, 'markAndBusy', (i) => [warmDir, `warm-${i}`, 0])
    let slowDone = false
    const fast = client.process<[string, string, number], WhereRan>(fixture('markAndBusy'), [dir, 'fast', 0], {
      timeout: 500,
    })
    const slow = client.process<[string, string, number], WhereRan>(fixture('markAndBusy'), [dir, 'slow', 1_500])
    void slow.then(
      () => (slowDone = true),
      () => undefined,
    )
    // Had the child held the fast answer while the slow call ran, the fast task's 500 ms timeout
    // would have killed the child running the slow one.
    const fastRan = await fast
    expect(slowDone).toBe(false)
    const slowRan = await slow
    // Both in the same child: it was never killed in between.
    expect(slowRan.pid).toBe(fastRan.pid)
  })

  it("never starts a task cancelled while it waits in a child's line behind a running one", async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha', workers: 1 }] })
    const client = openClient(manager)
    const dir = markerDir()

    // Measured as a short function first, so the child takes a second task behind the running one.
    const warmDir = markerDir()
    await measure(client, 'markAndSleep', (i) => [warmDir, `warm-${i}`, 2])
    const running = client.process(fixture('markAndSleep'), [dir, 'running', 1_500])
    const controller = new AbortController()
    const waiting = client.process(fixture('markAndSleep'), [dir, 'waiting', 1], { signal: controller.signal })
    await waitForFiles(dir, 1)
    controller.abort()
    await expectCode(waiting, 'CANCELLED')
    await expect(running).resolves.toMatchObject({ tag: 'running' })
    // The child runs its line in order: had the cancelled task not been skipped, it would have run before this one.
    await expect(client.process(fixture('fib'), [10])).resolves.toBe(55)
    expect(existsSync(join(dir, 'waiting'))).toBe(false)
  })
})
