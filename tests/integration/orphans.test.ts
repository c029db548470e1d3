/** If an agent dies, its children exit too — also a child stuck in a CPU-bound task. */
import { describe, expect, it, vi } from 'vitest'
import { fixture, isAlive, openClient, startCluster, type WhereRan } from './support.js'

describe('no orphans', () => {
  it('ends every child of an agent that is SIGKILLed, busy or idle', async () => {
    const { manager, agents } = await startCluster({ agents: [{ name: 'alpha', workers: 2 }] })
    const client = openClient(manager)
    // Two overlapping tasks land on both children once both are up (a slow machine may start one late).
    let ran: WhereRan[] = []
    for (let round = 0; round < 10 && new Set(ran.map((where) => where.pid)).size < 2; round++) {
      ran = (await Promise.all([
        client.process(fixture('whoamiAfter'), [200]),
        client.process(fixture('whoamiAfter'), [200]),
      ])) as WhereRan[]
    }
    const [first] = ran
    const children = [...new Set(ran.map((where) => where.pid))]
    expect(children).toHaveLength(2)
    expect(first!.ppid).toBe(agents[0]!.pid)

    // One child is busy in a tight loop (it never yields to its event loop) when the agent dies.
    const stuck = client.process(fixture('busy'), [60_000]).catch(() => 'lost')
    await vi.waitFor(async () => expect((await client.status()).nodes[0]!.busy).toBe(1), {
      timeout: 10_000,
      interval: 50,
    })
    agents[0]!.kill('SIGKILL')
    try {
      await vi.waitFor(() => expect(children.filter(isAlive)).toEqual([]), { timeout: 10_000, interval: 100 })
    } finally {
      for (const pid of children.filter(isAlive)) process.kill(pid, 'SIGKILL')
    }
    await client.close()
    await stuck
  })
})
