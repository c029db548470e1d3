/**
 * Operator controls, from the `argon` command line against real processes: pausing dispatch
 * (tasks queue, nothing is lost) and resizing a node's pool at runtime.
 */
import { describe, expect, it } from 'vitest'
import { runArgon, managerFlags } from '../helpers/processes.js'
import { fixture, openClient, startCluster, waitForStatus, withTimeout, type WhereRan } from './support.js'

describe('operator controls', () => {
  it('pauses dispatch: tasks queue and none runs; resume runs every one of them once', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha', workers: 2 }] })
    const client = openClient(manager)
    const paused = await runArgon(['pause', ...managerFlags(manager)])
    expect(paused.code, paused.output).toBe(0)
    expect(paused.output).toMatch(/dispatch paused/)

    const calls = Array.from({ length: 20 }, (_, i) => client.process((x: number) => x * 3, [i]))
    await waitForStatus(client, (status) => {
      expect(status.paused).toBe(true)
      expect(status.queued).toBe(20)
      expect(status.running).toBe(0)
    })
    const listing = await runArgon(['nodes', ...managerFlags(manager)])
    expect(listing.output).toMatch(/DISPATCH PAUSED/)
    const metrics = await fetch(`http://${manager.address}/metrics?token=${manager.token}`).then((response) =>
      response.text(),
    )
    expect(metrics).toMatch(/^argon_dispatch_paused 1$/m)

    const resumed = await runArgon(['resume', ...managerFlags(manager)])
    expect(resumed.code, resumed.output).toBe(0)
    expect(await withTimeout(Promise.all(calls), 20_000, 'the queued tasks')).toEqual(
      Array.from({ length: 20 }, (_, i) => i * 3),
    )
    await waitForStatus(client, (status) => expect(status.paused).toBe(false))
  })

  it('resizes a node’s pool at runtime, up and down, without losing a task', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha', workers: 1 }] })
    const client = openClient(manager)
    const up = await runArgon(['scale', 'alpha', '--workers', '3', ...managerFlags(manager)])
    expect(up.code, up.output).toBe(0)
    expect(up.output).toMatch(/alpha: 3 workers/)
    await waitForStatus(client, (status) => expect(status.nodes[0]).toMatchObject({ workers: 3 }))
    // Three long tasks at once run side by side in three different processes (once the new
    // children have started: a few rounds, bounded, on a loaded machine).
    const pids = new Set<number>()
    for (let round = 0; round < 10 && pids.size < 3; round++) {
      const three = Promise.all(Array.from({ length: 3 }, () => client.process(fixture('whoamiAfter'), [600])))
      const where = (await withTimeout(three, 20_000, 'three tasks')) as WhereRan[]
      pids.clear()
      for (const w of where) pids.add(w.pid)
    }
    expect(pids.size).toBe(3)
    const metrics = await fetch(`http://${manager.address}/metrics?token=${manager.token}`).then((response) =>
      response.text(),
    )
    expect(metrics).toMatch(/^argon_node_workers\{node="alpha"\} 3$/m)

    // Down to one while tasks run: they finish, and later ones run on the one that is left.
    const running = Array.from({ length: 6 }, () => client.process(fixture('whoamiAfter'), [200]))
    const down = await runArgon(['scale', 'alpha', '--workers', '1', ...managerFlags(manager)])
    expect(down.code, down.output).toBe(0)
    expect(((await withTimeout(Promise.all(running), 20_000, 'tasks during the resize')) as WhereRan[]).length).toBe(6)
    await waitForStatus(client, (status) => expect(status.nodes[0]?.workerBusy).toHaveLength(1))
    const after = (await Promise.all(
      Array.from({ length: 4 }, () => client.process(fixture('whoamiAfter'), [20])),
    )) as WhereRan[]
    expect(new Set(after.map((w) => w.pid)).size).toBe(1)

    const unknown = await runArgon(['scale', 'nobody', '--workers', '2', ...managerFlags(manager)])
    expect(unknown.code).toBe(3)
    const bad = await runArgon(['scale', 'alpha', '--workers', '0', ...managerFlags(manager)])
    expect(bad.code).not.toBe(0)
  })
})
