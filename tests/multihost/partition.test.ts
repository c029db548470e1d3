/**
 * Network partitions between real hosts (a cable pulled at the switch, not a dead process): an
 * agent host, the client host and the manager host are each cut off mid-run and plugged back.
 * Every call still resolves once with its value, no answer reaches the client twice, and the
 * cut-off side comes back by itself.
 *
 * The manager notices a silent node after its node timeout (`--node-timeout`, 6 s by default);
 * agents and clients notice a silent manager by the machine links' ping timeout (~12 s). Each
 * cut lasts 10 s, and longer only if the side that must notice has not noticed yet (a loaded
 * machine); the tests print how long noticing took.
 */
import { readdirSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it, vi } from 'vitest'
import type { RunningProcess } from '../helpers/processes.js'
import {
  joinAgents,
  startClientDriver,
  startHostManager,
  statusOnManagerHost,
  type ClientDriver,
  type HostManager,
} from './hosts.js'
import { AGENT_HOSTS, skipReason, useRunDirs, useTestNetwork, type RunOutcome } from './setup.js'

const network = useTestNetwork()

/** Longest we wait for a side to notice a cut: the ping timeout's worst case, plus slack. */
const NOTICE_MS = 90_000
/** Longest we wait for a side to come back once the cable is plugged in again. */
const RETURN_MS = 90_000
/** The shortest cut. */
const CUT_MS = 10_000

const runDir = useRunDirs()

interface Cluster {
  manager: HostManager
  agents: Map<string, RunningProcess>
  client: ClientDriver
}

async function startCluster(): Promise<Cluster> {
  const mgr = network().host('mgr')
  const manager = await startHostManager(mgr)
  const agents = await joinAgents(
    AGENT_HOSTS.map((name) => network().host(name)),
    manager,
  )
  const client = await startClientDriver(network().host('client'), mgr.address, manager.token, manager.fingerprint)
  return { manager, agents, client }
}

/** Waits until `pattern` (global) matches at least `count` times in the output; returns the last match. */
async function waitForCount(
  proc: RunningProcess,
  pattern: RegExp,
  count: number,
  timeout: number,
): Promise<RegExpMatchArray> {
  return vi.waitFor(
    () => {
      const matches = [...proc.output().matchAll(pattern)]
      if (matches.length < count)
        throw new Error(`${matches.length}/${count} × ${pattern} in the output of ${proc.pid}`)
      return matches[count - 1]!
    },
    { timeout, interval: 100 },
  )
}

/** The manager's log line (pino JSON) saying `message` about node `name`; its time. */
function managerLog(name: string, message: string): RegExp {
  return new RegExp(`^\\{[^\\n]*"time":(\\d+)[^\\n]*"node":"${name}"[^\\n]*"msg":"${message}"[^\\n]*$`, 'gm')
}

/** Waits until `dir` shows that some task has started on `node`. */
async function waitForRunOn(dir: string, node: string): Promise<void> {
  await vi.waitFor(
    () => {
      if (!readdirSync(dir).some((name) => name.includes(`@${node}.`)))
        throw new Error(`no task has started on ${node} yet`)
    },
    { timeout: 30_000, interval: 50 },
  )
}

/** Where each tag ran (one entry per run), from the run files. */
function runsByTag(dir: string): Map<string, string[]> {
  const runs = new Map<string, string[]>()
  for (const name of readdirSync(dir)) {
    const [tag, rest = ''] = name.split('@')
    const node = rest.slice(0, rest.indexOf('.'))
    runs.set(tag!, [...(runs.get(tag!) ?? []), node])
  }
  return runs
}

async function waitForDriverEvent(
  client: ClientDriver,
  event: 'connect' | 'disconnect',
  after: number,
  timeout: number,
): Promise<number> {
  return vi.waitFor(
    () => {
      const seen = client.events.find((entry) => entry.event === event && (entry.at ?? 0) >= after)
      if (!seen) throw new Error(`the client has not reported ${event} since the cut`)
      return seen.at!
    },
    { timeout, interval: 100 },
  )
}

/** Every call resolved with its value, and no answer arrived twice on the client's wire. */
async function expectEachAnsweredOnce(client: ClientDriver, batch: string, count: number): Promise<RunOutcome[]> {
  const outcomes = await client.call<RunOutcome[]>('settle', { batch }, RETURN_MS)
  expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([])
  expect(outcomes.map((outcome) => (outcome.ok ? outcome.value.tag : ''))).toEqual(
    Array.from({ length: count }, (_, index) => `${batch}-${index}`),
  )
  const answers = await client.call<{ ids: number; duplicates: unknown[] }>('answers')
  expect(answers.duplicates).toEqual([])
  return outcomes
}

/** Keeps a cut going until it has lasted CUT_MS (the scenario's length, not a synchronisation). */
async function holdCutUntil(cutAt: number): Promise<void> {
  const left = cutAt + CUT_MS - Date.now()
  if (left > 0) await sleep(left)
}

describe.skipIf(skipReason !== null)('multi-host: partitions', () => {
  it('an agent host cut off for 10 s: its tasks finish elsewhere once, it is marked lost, and it rejoins by itself', async () => {
    const { manager, agents, client } = await startCluster()
    const dir = runDir()
    await client.call('submit', { batch: 'cut', dir, count: 36, ms: 1500 })
    await waitForRunOn(dir, 'agent-2')

    const cutAt = Date.now()
    network().setLink('agent-2', 'down')
    const lost = await waitForCount(manager, managerLog('agent-2', 'node disconnected'), 1, NOTICE_MS)
    const lostAfter = Number(lost[1]) - cutAt
    expect((await statusOnManagerHost(manager)).nodes.find((node) => node.name === 'agent-2')?.state).toBe('offline')
    await holdCutUntil(cutAt)

    const plugAt = Date.now()
    network().setLink('agent-2', 'up')
    const back = await waitForCount(manager, managerLog('agent-2', 'node connected'), 2, RETURN_MS)
    const backAfter = Number(back[1]) - plugAt
    await agents
      .get('agent-2')!
      .waitFor(/joined manager \S+ over TLS \(pinned \S+\) as agent-2 \(id [^,]+, reconnected\)/, 10_000)
    console.info(
      `agent host cut off: marked lost after ${(lostAfter / 1000).toFixed(1)} s; rejoined ${(backAfter / 1000).toFixed(1)} s after its link returned`,
    )

    const outcomes = await expectEachAnsweredOnce(client, 'cut', 36)
    // What agent-2 was running when cut off ran again on another host, and that run answered.
    const runs = runsByTag(dir)
    const rerun = [...runs].filter(([, nodes]) => nodes.includes('agent-2') && nodes.some((node) => node !== 'agent-2'))
    expect(rerun.length).toBeGreaterThan(0)
    for (const [tag] of rerun) {
      const answer = outcomes.find((outcome) => outcome.ok && outcome.value.tag === tag)
      expect(answer?.ok && answer.value.node).not.toBe('agent-2')
    }
    expect((await statusOnManagerHost(manager)).nodes.find((node) => node.name === 'agent-2')?.state).toBe('active')

    // Back in rotation: it takes new work.
    await client.call('submit', { batch: 'after', dir, count: 30, ms: 150 })
    const after = await expectEachAnsweredOnce(client, 'after', 30)
    expect(after.map((outcome) => (outcome.ok ? outcome.value.node : ''))).toContain('agent-2')
  })

  it('an agent host cut off for 2 s, less than the node timeout: every call resolves once; unless the manager noticed, no task ran twice', async () => {
    const { manager, client } = await startCluster()
    const dir = runDir()
    await client.call('submit', { batch: 'blip', dir, count: 24, ms: 1500 })
    await waitForRunOn(dir, 'agent-2')
    network().setLink('agent-2', 'down')
    await sleep(2_000) // the scenario: a 2 s blip
    network().setLink('agent-2', 'up')

    const outcomes = await expectEachAnsweredOnce(client, 'blip', 24)
    const noticed = managerLog('agent-2', 'node disconnected').test(manager.output())
    const ranTwice = [...runsByTag(dir)].filter(([, nodes]) => nodes.length > 1)
    console.info(
      `agent host cut off for 2 s: the manager ${noticed ? 'noticed' : 'did not notice'}; ${ranTwice.length} task(s) ran twice`,
    )
    if (!noticed) {
      // What was sent during the blip arrived once the link was back (TCP resends it): a cut
      // shorter than the node timeout costs time, not work.
      expect(ranTwice).toEqual([])
      expect(outcomes.some((outcome) => outcome.ok && outcome.value.node === 'agent-2')).toBe(true)
    }
  })

  it('the client host cut off: the client reconnects by itself and every call resolves once', async () => {
    const { client, manager } = await startCluster()
    const dir = runDir()
    await client.call('submit', { batch: 'before', dir, count: 30, ms: 2000 })
    await waitForRunOn(dir, 'agent-1')

    const cutAt = Date.now()
    network().setLink('client', 'down')
    const noticedAt = await waitForDriverEvent(client, 'disconnect', cutAt, NOTICE_MS)
    // Called while cut off: held by the client and sent when it is back.
    await client.call('submit', { batch: 'during', dir, count: 12, ms: 100 })
    await holdCutUntil(cutAt)

    const plugAt = Date.now()
    network().setLink('client', 'up')
    const backAt = await waitForDriverEvent(client, 'connect', plugAt, RETURN_MS)
    console.info(
      `client host cut off: the client noticed after ${((noticedAt - cutAt) / 1000).toFixed(1)} s; reconnected ${((backAt - plugAt) / 1000).toFixed(1)} s after its link returned`,
    )

    await expectEachAnsweredOnce(client, 'before', 30)
    await expectEachAnsweredOnce(client, 'during', 12)
    expect((await statusOnManagerHost(manager)).clients).toBe(1)
  })

  it('the manager host cut off: agents and the client reconnect by themselves and every call resolves once', async () => {
    const { manager, agents, client } = await startCluster()
    const dir = runDir()
    await client.call('submit', { batch: 'cut', dir, count: 30, ms: 2000 })
    await waitForRunOn(dir, 'agent-3')

    const cutAt = Date.now()
    network().setLink('mgr', 'down')
    // Both ends notice: the manager loses every node, each agent and the client lose the manager.
    for (const name of AGENT_HOSTS) await waitForCount(manager, managerLog(name, 'node disconnected'), 1, NOTICE_MS)
    for (const agent of agents.values()) await agent.waitFor(/lost link to manager/, NOTICE_MS)
    const clientNoticedAt = await waitForDriverEvent(client, 'disconnect', cutAt, NOTICE_MS)
    const noticed = Date.now() - cutAt
    expect((await statusOnManagerHost(manager)).nodes.map((node) => node.state)).toEqual([
      'offline',
      'offline',
      'offline',
    ])
    await holdCutUntil(cutAt)

    const plugAt = Date.now()
    network().setLink('mgr', 'up')
    for (const agent of agents.values())
      await agent.waitFor(/joined manager \S+ over TLS \(pinned \S+\) as \S+ \(id [^,]+, reconnected\)/, RETURN_MS)
    await waitForDriverEvent(client, 'connect', plugAt, RETURN_MS)
    console.info(
      `manager host cut off: every side had noticed after ${(noticed / 1000).toFixed(1)} s (the client after ${((clientNoticedAt - cutAt) / 1000).toFixed(1)} s); all back ${((Date.now() - plugAt) / 1000).toFixed(1)} s after its link returned`,
    )

    await expectEachAnsweredOnce(client, 'cut', 30)
    await client.call('submit', { batch: 'after', dir, count: 36, ms: 150 })
    const after = await expectEachAnsweredOnce(client, 'after', 36)
    expect(new Set(after.map((outcome) => (outcome.ok ? outcome.value.node : '')))).toEqual(new Set(AGENT_HOSTS))
  })
})
