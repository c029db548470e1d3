/**
 * A node that freezes (SIGSTOP: a hung VM, a swapped-out machine) keeps its TCP connection open
 * but says nothing. The manager notices within --node-timeout, runs its tasks elsewhere exactly
 * once, and takes it back when it wakes.
 */
import { describe, expect, it, vi } from 'vitest'
import { fixture, markerDir, openClient, startCluster, waitForStatus, withTimeout, type WhereRan } from './support.js'

describe('a frozen node', () => {
  it('is declared lost within --node-timeout; its tasks finish elsewhere once; after SIGCONT it rejoins', async () => {
    const { manager, agents } = await startCluster({
      managerArgs: ['--node-timeout', '2'],
      agents: [
        { name: 'frozen', workers: 2 },
        { name: 'healthy', workers: 2 },
      ],
    })
    const frozen = agents[0]!
    const client = openClient(manager)
    const dir = markerDir()

    const total = 8
    const calls = Array.from({ length: total }, (_, i) =>
      client.process<[string, string, number], WhereRan & { tag: string }>(fixture('markAndSleep'), [
        dir,
        `t${i}`,
        1500,
      ]),
    )
    // Both nodes are running work before one freezes.
    await waitForStatus(client, (status) => {
      for (const node of status.nodes) expect(node.assigned).toBeGreaterThan(0)
    })
    frozen.kill('SIGSTOP')
    try {
      const lost = await waitForStatus(
        client,
        (status) => {
          expect(status.nodes.find((node) => node.name === 'frozen')?.state).toBe('offline')
          return status
        },
        20_000,
      )
      expect(lost.nodes.find((node) => node.name === 'healthy')?.state).toBe('active')
      // The warning is written in the same turn as the status change, but the manager's output
      // reaches this process on a pipe of its own, which may be read after the status answer.
      await vi.waitFor(() => expect(manager.output()).toMatch(/past the node timeout/), { timeout: 5000, interval: 20 })

      // Every call resolves, once, with its own tag; the work the frozen node held ran on the healthy one.
      const results = await withTimeout(Promise.all(calls), 30_000, 'the calls of the frozen node to finish elsewhere')
      expect(results.map((result) => result.tag)).toEqual(Array.from({ length: total }, (_, i) => `t${i}`))
      expect(results.filter((result) => result.node === 'healthy').length).toBeGreaterThan(total / 2)
    } finally {
      frozen.kill('SIGCONT')
    }

    // Awake again: it reconnects under the same id and gets work; nothing was answered twice.
    await waitForStatus(
      client,
      (status) => expect(status.nodes.find((node) => node.name === 'frozen')?.state).toBe('active'),
      30_000,
    )
    const status = await client.status()
    expect(status.completed).toBe(total)
    expect(status.running).toBe(0)
    const later = (await Promise.all(
      Array.from({ length: 8 }, () => client.process(fixture('whoamiAfter'), [100])),
    )) as WhereRan[]
    expect(new Set(later.map((where) => where.node))).toEqual(new Set(['frozen', 'healthy']))
    expect((await client.status()).completed).toBe(total + 8)
  })
})
