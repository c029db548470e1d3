/**
 * Work spreads over agents, and survives agents and the manager dying under it.
 */
import { describe, expect, it } from 'vitest'
import { startAgent, startManager } from '../helpers/processes.js'
import { fixture, openClient, startCluster, waitForStatus, withTimeout, type WhereRan } from './support.js'

describe('failover', () => {
  it('spreads a batch over every agent', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }, { name: 'beta' }, { name: 'gamma' }] })
    const client = openClient(manager)

    const ran = (await Promise.all(
      Array.from({ length: 30 }, () => client.process(fixture('whoamiAfter'), [30])),
    )) as WhereRan[]
    expect(new Set(ran.map((where) => where.node))).toEqual(new Set(['alpha', 'beta', 'gamma']))
    // The child knows its node's id as well as its name, and they differ per node.
    expect(new Set(ran.map((where) => where.nodeId)).size).toBe(3)
  })

  it('loses nothing when an agent is SIGKILLed mid-run: every call resolves once with its own value', async () => {
    const { manager, agents } = await startCluster({ agents: [{ name: 'alpha' }, { name: 'beta' }] })
    const client = openClient(manager)
    const victim = agents[0]!

    const total = 200
    let settled = 0
    let killedAt = -1
    const calls = Array.from({ length: total }, (_, i) =>
      client.process(fixture('busy'), [20, { i, square: i * i }]).finally(() => {
        settled++
        // Kill one agent a quarter of the way through, while both are busy.
        if (settled === total / 4 && killedAt < 0) {
          killedAt = settled
          victim.kill('SIGKILL')
        }
      }),
    )
    const results = await withTimeout(Promise.allSettled(calls), 45_000, `${total} calls`)

    expect(killedAt).toBe(total / 4)
    expect((await victim.exited).signal).toBe('SIGKILL')
    const rejected = results.filter((result) => result.status === 'rejected')
    expect(rejected).toEqual([])
    results.forEach((result, i) => {
      expect(result).toEqual({ status: 'fulfilled', value: { i, square: i * i } })
    })
    const status = await waitForStatus(client, (s) => {
      const alpha = s.nodes.find((node) => node.name === 'alpha')
      expect(alpha?.state).toBe('offline')
      return s
    })
    expect(status.nodes.find((node) => node.name === 'beta')?.state).toBe('active')
  })

  it('gives work again to an agent that rejoins under the same name', async () => {
    const { manager, agents } = await startCluster({ agents: [{ name: 'alpha' }] })
    const client = openClient(manager)

    const before = await client.process<[], WhereRan>(fixture('whoami'), [])
    expect(before.node).toBe('alpha')

    agents[0]!.kill('SIGKILL')
    await agents[0]!.exited
    await waitForStatus(client, (s) => expect(s.nodes.find((node) => node.name === 'alpha')?.state).toBe('offline'))

    // Submitted while no agent is there: it waits in the queue for the returning agent.
    const pending = client.process(fixture('whoami'), [])
    const again = await startAgent(manager, { name: 'alpha' })
    const after = (await withTimeout(pending, 15_000, 'task queued for the returning agent')) as WhereRan
    expect(after.node).toBe('alpha')
    expect(after.ppid).toBe(again.pid)

    const status = await waitForStatus(client, (s) => {
      const named = s.nodes.filter((node) => node.name === 'alpha')
      // One node per name: the returning agent takes its old place, it is not a second node.
      expect(named).toHaveLength(1)
      expect(named[0]!.state).toBe('active')
      return s
    })
    expect(status.nodes).toHaveLength(1)
  })

  it('resolves every in-flight call once when the manager restarts on the same port', async () => {
    const first = await startManager()
    const agent = await startAgent(first, { name: 'alpha', workers: 2 })
    const client = openClient(first, { retries: 50, retryDelay: 100 })

    const total = 40
    let settled = 0
    let firstResults!: () => void
    const someSettled = new Promise<void>((resolve) => (firstResults = resolve))
    const calls = Array.from({ length: total }, (_, i) =>
      client.process(fixture('sleep'), [50, i]).finally(() => {
        if (++settled === 5) firstResults()
      }),
    )
    // Restart once some have finished and the rest are queued or running.
    await withTimeout(someSettled, 20_000, 'the first results')
    expect(settled).toBeLessThan(total)
    first.kill('SIGKILL')
    await first.exited

    const second = await startManager({ port: first.port, token: first.token })
    expect(second.port).toBe(first.port)
    // The agent finds the new manager on its own.
    await agent.waitFor(/joined manager[\s\S]*joined manager/, 30_000)

    const results = await withTimeout(Promise.allSettled(calls), 45_000, 'calls across the restart')
    expect(results.filter((result) => result.status === 'rejected')).toEqual([])
    expect(results.map((result) => (result.status === 'fulfilled' ? result.value : null))).toEqual(
      Array.from({ length: total }, (_, i) => i),
    )
    // The new manager serves new work too.
    await expect(client.process((x: number) => x * 3, [3])).resolves.toBe(9)
  })
})
