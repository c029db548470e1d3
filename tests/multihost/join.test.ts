/**
 * Separate hosts, real programs: the manager's printed join command, run as printed on other
 * hosts, joins them; the dashboard and the cluster are reachable from a client host; an operator
 * drains a remote agent from the dashboard in Chromium on the client host.
 */
import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { nodeCard, openBrowserOn } from './browser-on-host.js'
import {
  MANAGER_PORT,
  joinAgents,
  runOnHost,
  startClientDriver,
  startHostManager,
  statusOnManagerHost,
  type HostManager,
} from './hosts.js'
import { AGENT_HOSTS, skipReason, useRunDirs, useTestNetwork, type RunOutcome } from './setup.js'

const network = useTestNetwork()
const WAIT = { timeout: 30_000, interval: 200 }

const runDir = useRunDirs()

/** The manager on `mgr` and, on each agent host, the first join command it printed. */
async function startClusterOverNetwork(): Promise<HostManager> {
  const manager = await startHostManager(network().host('mgr'))
  await joinAgents(
    AGENT_HOSTS.map((name) => network().host(name)),
    manager,
  )
  return manager
}

describe.skipIf(skipReason !== null)('multi-host: joining over the network', () => {
  it('the printed join command, run as printed on three other hosts, joins them; a client host uses the cluster and reaches the dashboard', async () => {
    const mgr = network().host('mgr')
    const manager = await startHostManager(mgr)
    // The manager's host address comes first, loopback (useless to another host) last.
    // Beyond loopback it serves TLS: the command pins its certificate and passes the token in the environment.
    expect(manager.joinCommands[0]).toBe(
      `ARGON_TOKEN=${manager.token} node-agent --join ${mgr.address}:${MANAGER_PORT} --fingerprint ${manager.fingerprint}`,
    )
    expect(manager.joinCommands.at(-1)).toBe(
      `ARGON_TOKEN=${manager.token} node-agent --join 127.0.0.1:${MANAGER_PORT} --fingerprint ${manager.fingerprint}`,
    )

    const agents = AGENT_HOSTS.map((name) => runOnHost(network().host(name), manager.joinCommands[0]!))
    for (const [index, agent] of agents.entries()) {
      await agent.waitFor(
        new RegExp(
          `joined manager ${mgr.address.replaceAll('.', '\\.')}:${MANAGER_PORT} over TLS \\(pinned ${manager.fingerprint}\\) as ${AGENT_HOSTS[index]} `,
        ),
        30_000,
      )
    }
    // The manager saw each agent arrive from its own host's address.
    for (const name of AGENT_HOSTS) {
      const address = network().host(name).address.replaceAll('.', '\\.')
      await manager.waitFor(
        new RegExp(`"node":"${name}"[^\\n]*"address":"(::ffff:)?${address}"[^\\n]*"node connected"`),
      )
    }
    const status = await statusOnManagerHost(manager)
    expect(status.nodes.map((node) => [node.name, node.state]).sort()).toEqual(
      AGENT_HOSTS.map((name) => [name, 'active']),
    )

    const client = await startClientDriver(network().host('client'), mgr.address, manager.token, manager.fingerprint)
    // The dashboard, its health check and the authenticated API, from the client host, over TLS;
    // the health check also answers plain HTTP (for probes), nothing else does.
    const health = await client.call<{ status: number }>('fetch', {
      url: `http://${mgr.address}:${MANAGER_PORT}/health`,
    })
    expect(health.status).toBe(200)
    const plainApi = await client.call<{ status: number }>('fetch', {
      url: `http://${mgr.address}:${MANAGER_PORT}/api/status?token=${manager.token}`,
    })
    expect(plainApi.status).toBe(497)
    const page = await client.call<{ status: number; body: string }>('fetch', {
      url: `https://${mgr.address}:${MANAGER_PORT}/`,
    })
    expect(page.status).toBe(200)
    expect(page.body).toMatch(/<html/i)
    const api = await client.call<{ status: number; body: string }>('fetch', {
      url: `https://${mgr.address}:${MANAGER_PORT}/api/status?token=${manager.token}`,
    })
    expect(api.status).toBe(200)
    expect((JSON.parse(api.body) as { nodes: unknown[] }).nodes).toHaveLength(3)
    // The client host is a host of its own: nothing of the manager's is on its loopback.
    await expect(client.call('fetch', { url: `http://127.0.0.1:${MANAGER_PORT}/health` })).rejects.toThrow(
      /fetch failed/,
    )

    const dir = runDir()
    await client.call('submit', { batch: 'spread', dir, count: 36, ms: 150 })
    const outcomes = await client.call<RunOutcome[]>('settle', { batch: 'spread' }, 60_000)
    expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([])
    expect(new Set(outcomes.map((outcome) => (outcome.ok ? outcome.value.node : '')))).toEqual(new Set(AGENT_HOSTS))
    expect(readdirSync(dir)).toHaveLength(36)
  })

  it('an operator drains a remote agent from the dashboard in Chromium on the client host: it gets no new work', async () => {
    const manager = await startClusterOverNetwork()
    const mgr = network().host('mgr')
    const { page, problems } = await openBrowserOn(network().host('client'))
    await page.goto(`https://${mgr.address}:${MANAGER_PORT}/?token=${manager.token}`)
    await page.getByTestId('dashboard').waitFor()
    for (const name of AGENT_HOSTS)
      await expect.poll(() => nodeCard(page, name).getAttribute('data-state'), WAIT).toBe('active')

    await nodeCard(page, 'agent-2').getByRole('button', { name: 'Drain' }).click()
    await expect
      .poll(
        async () => (await statusOnManagerHost(manager)).nodes.find((node) => node.name === 'agent-2')?.drained,
        WAIT,
      )
      .toBe(true)
    await expect
      .poll(
        () => page.getByTestId('zone-out-of-rotation').locator('[data-node-name="agent-2"]').getAttribute('data-state'),
        WAIT,
      )
      .toBe('draining')

    const client = await startClientDriver(network().host('client'), mgr.address, manager.token, manager.fingerprint)
    const dir = runDir()
    await client.call('submit', { batch: 'drained', dir, count: 30, ms: 100 })
    const outcomes = await client.call<RunOutcome[]>('settle', { batch: 'drained' }, 60_000)
    const nodes = outcomes.map((outcome) => (outcome.ok ? outcome.value.node : `failed: ${outcome.code}`))
    expect(new Set(nodes)).toEqual(new Set(['agent-1', 'agent-3']))
    expect(readdirSync(dir).filter((name) => name.includes('@agent-2.'))).toEqual([])

    await nodeCard(page, 'agent-2').getByRole('button', { name: 'Resume' }).click()
    await expect
      .poll(
        async () => (await statusOnManagerHost(manager)).nodes.find((node) => node.name === 'agent-2')?.drained,
        WAIT,
      )
      .toBe(false)
    await client.call('submit', { batch: 'resumed', dir, count: 30, ms: 100 })
    const after = await client.call<RunOutcome[]>('settle', { batch: 'resumed' }, 60_000)
    expect(after.map((outcome) => (outcome.ok ? outcome.value.node : ''))).toContain('agent-2')
    expect(problems).toEqual([])
  })
})
