/**
 * Taking a node out of rotation (drain) and back (resume), from the `argon` command line.
 */
import { describe, expect, it } from 'vitest'
import { clusterStatusSchema, type ClusterStatus } from '../../protocol/index.js'
import { runArgon, startAgent, type StartedManager, managerFlags } from '../helpers/processes.js'
import {
  fixture,
  markerDir,
  openClient,
  readMarker,
  startCluster,
  waitForFiles,
  waitForStatus,
  withTimeout,
  type WhereRan,
} from './support.js'

async function nodesJson(manager: StartedManager): Promise<ClusterStatus> {
  const result = await runArgon(['nodes', ...managerFlags(manager), '--json'])
  expect(result.code, result.output).toBe(0)
  // The JSON document is the whole of stdout; find it even if a log line precedes it.
  const start = result.output.indexOf('{')
  return clusterStatusSchema.parse(JSON.parse(result.output.slice(start)))
}

describe('rotation', () => {
  it('drains a node: running tasks finish there, new ones go elsewhere; resume brings it back', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }, { name: 'beta' }] })
    const client = openClient(manager)
    const dir = markerDir()

    // One long task on each single-worker node.
    const long = [
      client.process(fixture('markAndSleep'), [dir, 'one', 1500]),
      client.process(fixture('markAndSleep'), [dir, 'two', 1500]),
    ]
    await waitForFiles(dir, 2)
    expect(new Set([readMarker(dir, 'one').node, readMarker(dir, 'two').node])).toEqual(new Set(['alpha', 'beta']))

    const drained = await runArgon(['drain', 'alpha', ...managerFlags(manager)])
    expect(drained.code, drained.output).toBe(0)

    // The task running on alpha still finishes there.
    const finished = (await withTimeout(Promise.all(long), 10_000, 'the running tasks')) as (WhereRan & {
      tag: string
    })[]
    expect(new Set(finished.map((where) => where.node))).toEqual(new Set(['alpha', 'beta']))

    const status = await nodesJson(manager)
    const alpha = status.nodes.find((node) => node.name === 'alpha')
    expect(alpha?.drained).toBe(true)
    expect(alpha?.state).toBe('draining')
    expect(status.nodes.find((node) => node.name === 'beta')?.drained).toBe(false)

    // The plain listing names both nodes and says alpha is out of rotation.
    const listing = await runArgon(['nodes', ...managerFlags(manager)])
    expect(listing.code, listing.output).toBe(0)
    expect(listing.output).toContain('alpha')
    expect(listing.output).toContain('beta')
    expect(listing.output).toMatch(/drain/i)

    const whileDrained = (await Promise.all(
      Array.from({ length: 12 }, () => client.process(fixture('whoamiAfter'), [20])),
    )) as WhereRan[]
    expect(new Set(whileDrained.map((where) => where.node))).toEqual(new Set(['beta']))

    const resumed = await runArgon(['resume', 'alpha', ...managerFlags(manager)])
    expect(resumed.code, resumed.output).toBe(0)
    await waitForStatus(client, (s) =>
      expect(s.nodes.find((node) => node.name === 'alpha')).toMatchObject({ state: 'active', drained: false }),
    )

    const afterResume = (await Promise.all(
      Array.from({ length: 12 }, () => client.process(fixture('whoamiAfter'), [40])),
    )) as WhereRan[]
    expect(new Set(afterResume.map((where) => where.node))).toEqual(new Set(['alpha', 'beta']))
  })

  it('brings a restarted drained agent back drained', async () => {
    const { manager, agents } = await startCluster({ agents: [{ name: 'alpha' }, { name: 'beta' }] })
    const client = openClient(manager)

    const drained = await runArgon(['drain', 'alpha', ...managerFlags(manager)])
    expect(drained.code, drained.output).toBe(0)

    agents[0]!.kill('SIGKILL')
    await agents[0]!.exited
    await waitForStatus(client, (s) =>
      expect(s.nodes.find((node) => node.name === 'alpha')).toMatchObject({ state: 'offline', drained: true }),
    )

    await startAgent(manager, { name: 'alpha' })
    await waitForStatus(client, (s) =>
      expect(s.nodes.find((node) => node.name === 'alpha')).toMatchObject({ state: 'draining', drained: true }),
    )

    const ran = (await Promise.all(
      Array.from({ length: 8 }, () => client.process(fixture('whoamiAfter'), [20])),
    )) as WhereRan[]
    expect(new Set(ran.map((where) => where.node))).toEqual(new Set(['beta']))

    const resumed = await runArgon(['resume', 'alpha', ...managerFlags(manager)])
    expect(resumed.code, resumed.output).toBe(0)
    const after = (await Promise.all(
      Array.from({ length: 12 }, () => client.process(fixture('whoamiAfter'), [40])),
    )) as WhereRan[]
    expect(after.map((where) => where.node)).toContain('alpha')
  })

  it('refuses to drain or resume a node it does not know, with NOT_FOUND', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })

    const drain = await runArgon(['drain', 'nobody', ...managerFlags(manager)])
    expect(drain.code).not.toBe(0)
    expect(drain.code).not.toBeNull()
    expect(drain.output).toContain('NOT_FOUND')

    const resume = await runArgon(['resume', 'nobody', ...managerFlags(manager)])
    expect(resume.code).not.toBe(0)
    expect(resume.output).toContain('NOT_FOUND')

    // Nothing changed for the real node.
    const status = await nodesJson(manager)
    expect(status.nodes).toHaveLength(1)
    expect(status.nodes[0]).toMatchObject({ name: 'alpha', state: 'active', drained: false })
  })
})
