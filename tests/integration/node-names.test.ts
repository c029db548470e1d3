/**
 * Node names stay unique among connected nodes: a default name that is taken is numbered, an
 * operator-chosen one is refused, and an offline node can be dismissed from the command line.
 */
import { hostname } from 'node:os'
import { describe, expect, it } from 'vitest'
import { runArgon, startAgent, startManager, managerFlags } from '../helpers/processes.js'
import { openClient, waitForStatus } from './support.js'

describe('node names', () => {
  it('gives a second agent with the same default name its own name, kept across a manager restart', async () => {
    const manager = await startManager()
    const first = await startAgent(manager, { name: null })
    const second = await startAgent(manager, { name: null })
    const base = hostname()
    await second.waitFor(new RegExp(`knows this node as ${base}-2`))
    const client = openClient(manager)
    await waitForStatus(client, (status) =>
      expect(status.nodes.map((node) => node.name).sort()).toEqual([base, `${base}-2`].sort()),
    )

    // Draining one name touches one node only.
    const drained = await runArgon(['drain', `${base}-2`, ...managerFlags(manager)])
    expect(drained.code, drained.output).toBe(0)
    await waitForStatus(client, (status) => {
      expect(status.nodes.find((node) => node.name === base)?.drained).toBe(false)
      expect(status.nodes.find((node) => node.name === `${base}-2`)?.drained).toBe(true)
    })

    // A new manager on the same port: both agents come back under the same names.
    manager.kill('SIGKILL')
    await manager.exited
    const again = await startManager({ port: manager.port, token: manager.token })
    const client2 = openClient(again)
    await waitForStatus(
      client2,
      (status) => {
        expect(status.nodes.map((node) => node.name).sort()).toEqual([base, `${base}-2`].sort())
        expect(status.nodes.every((node) => node.state === 'active')).toBe(true)
      },
      30_000,
    )
    expect(first.output()).not.toMatch(/knows this node as/)
  })

  it('refuses an agent whose --name a connected node holds (NAME_IN_USE), and dismisses an offline node', async () => {
    const manager = await startManager()
    const alpha = await startAgent(manager, { name: 'alpha' })
    const clash = await startAgent(manager, { name: 'alpha', wait: false })
    const { code } = await clash.exited
    expect(code).toBe(2)
    expect(clash.output()).toMatch(/NAME_IN_USE/)
    expect(clash.output()).toMatch(/another --name/)

    const client = openClient(manager)
    await waitForStatus(client, (status) => expect(status.nodes.map((node) => node.name)).toEqual(['alpha']))

    // A connected node cannot be dismissed; an offline one can.
    const refused = await runArgon(['dismiss', 'alpha', ...managerFlags(manager)])
    expect(refused.code).toBe(3)
    expect(refused.output).toMatch(/NOT_FOUND/)
    alpha.kill('SIGKILL')
    await alpha.exited
    await waitForStatus(client, (status) => expect(status.nodes[0]?.state).toBe('offline'))
    const dismissed = await runArgon(['dismiss', 'alpha', ...managerFlags(manager)])
    expect(dismissed.code, dismissed.output).toBe(0)
    await waitForStatus(client, (status) => expect(status.nodes).toEqual([]))
    const unknown = await runArgon(['dismiss', 'nobody', ...managerFlags(manager)])
    expect(unknown.code).toBe(3)
  })
})
