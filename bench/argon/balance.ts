/**
 * W3 balance: mixed workloads on a real manager with several real agents, with tasks that sleep
 * (so a 2-core machine does not hide an imbalance behind CPU contention). Each workload's makespan
 * is reported as a ratio to the ideal for the cluster's worker slots.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '../../client/index.js'
import { spawnNode, type SpawnedProcess } from '../harness/processes.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const ARGON_BIN = join(ROOT, 'dist/cli/argon.js')
const NODE_AGENT_BIN = join(ROOT, 'dist/node-agent/cli.js')
const TOKEN = 'bench-token-0123456789abcdef'

/** Sleeps `ms` (twice as long on the node named `slowNode`) and says where it ran. */
const nap = async (ms: number, slowNode: string): Promise<string> => {
  const name = process.env.ARGON_NODE_NAME ?? ''
  await new Promise((resolve) => setTimeout(resolve, name === slowNode ? ms * 2 : ms))
  return name
}
const trivial = (x: number): number => x

interface AgentSpec {
  name: string
  workers: number
  /** Run-time multiplier of its tasks (2 = half as fast). */
  slowness?: number
  /** Started only once the workload's tasks are submitted. */
  late?: boolean
}

export interface BalanceWorkload {
  readonly key: string
  readonly label: string
  readonly agents: readonly AgentSpec[]
  /** Work submitted (and awaited) before the clock starts. */
  readonly before?: 'trivial-burst'
  /** Sleep time of each measured task, ms, in submission order. */
  readonly tasks: readonly number[]
}

function repeat(ms: number, count: number): number[] {
  return new Array<number>(count).fill(ms)
}

/** The W3 workloads; `scale` shrinks the counts for a quick run. */
export function balanceWorkloads(scale = 1): BalanceWorkload[] {
  const n = (count: number) => Math.max(2, Math.round(count * scale))
  return [
    {
      key: 'after-trivial',
      label: `${n(40)} × 100 ms right after 2,000 trivial tasks, 2 agents × 2 workers`,
      agents: [
        { name: 'w3-a', workers: 2 },
        { name: 'w3-b', workers: 2 },
      ],
      before: 'trivial-burst',
      tasks: repeat(100, n(40)),
    },
    {
      key: 'one-long',
      label: `one 1 s task among ${n(200)} × 20 ms, 2 agents × 2 workers`,
      agents: [
        { name: 'w3-a', workers: 2 },
        { name: 'w3-b', workers: 2 },
      ],
      tasks: [...repeat(20, n(10)), 1000, ...repeat(20, n(190))],
    },
    {
      key: 'sizes',
      label: `${n(80)} × 50 ms on agents of 3 and 1 workers`,
      agents: [
        { name: 'w3-big', workers: 3 },
        { name: 'w3-small', workers: 1 },
      ],
      tasks: repeat(50, n(80)),
    },
    {
      key: 'speeds',
      label: `${n(60)} × 50 ms on 2 agents × 2 workers, one half as fast`,
      agents: [
        { name: 'w3-fast', workers: 2 },
        { name: 'w3-slow', workers: 2, slowness: 2 },
      ],
      tasks: repeat(50, n(60)),
    },
    {
      key: 'late-joiner',
      label: `${n(160)} × 50 ms on 1 agent × 2 workers, a second one (2 workers) started as they are submitted`,
      agents: [
        { name: 'w3-first', workers: 2 },
        { name: 'w3-late', workers: 2, late: true },
      ],
      tasks: repeat(50, n(160)),
    },
  ]
}

export interface BalanceResult {
  makespanMs: number
  idealMs: number
  /** makespan ÷ ideal. */
  ratio: number
  /** Tasks answered per node name. */
  perNode: Record<string, number>
  /** Tasks taken back by work stealing (the manager's counter). */
  stolen: number
}

/**
 * Runs one workload on a fresh cluster and stops it again. The ideal is the shortest makespan the
 * slots allow: total work ÷ the slots' speed, no less than the longest task, and for a late
 * joiner counting its slots only from when it joined.
 */
export async function runBalanceWorkload(workload: BalanceWorkload, limitMs: number): Promise<BalanceResult> {
  const home = mkdtempSync(join(tmpdir(), 'argon-bench-w3-'))
  const processes: SpawnedProcess[] = []
  let client: Client | undefined
  try {
    const manager = spawnNode(
      'argon manager (W3)',
      ARGON_BIN,
      ['manager', '--host', '127.0.0.1', '--port', '0', '--token', TOKEN, '--no-dashboard'],
      { env: { ARGON_HOME: home } },
    )
    processes.push(manager)
    const port = Number((await manager.waitFor(/listening on http:\/\/[^\s:]+:(\d+)/))[1])
    const startAgent = (agent: AgentSpec) => {
      const proc = spawnNode(
        `node-agent ${agent.name}`,
        NODE_AGENT_BIN,
        ['--join', `127.0.0.1:${port}`, '--token', TOKEN, '--name', agent.name, '--workers', String(agent.workers)],
        { env: { ARGON_HOME: home } },
      )
      processes.push(proc)
      return proc
    }
    await Promise.all(
      workload.agents.filter((agent) => !agent.late).map((agent) => startAgent(agent).waitFor(/joined manager/)),
    )
    client = new Client({ host: '127.0.0.1', port, token: TOKEN })
    const slowNode = workload.agents.find((agent) => (agent.slowness ?? 1) > 1)?.name ?? ''
    // Every workload starts with the nap function measured at its usual length (as in a cluster
    // that has been running), except the one about a function never seen before.
    if (workload.before === 'trivial-burst') {
      await client.map(
        trivial,
        Array.from({ length: 2000 }, (_, i) => [i] as [number]),
      )
    } else {
      const slots = workload.agents.filter((agent) => !agent.late).reduce((sum, agent) => sum + agent.workers, 0)
      const usual = median(workload.tasks)
      await client.map(
        nap,
        Array.from({ length: slots * 2 }, () => [usual, slowNode] as [number, string]),
      )
    }
    const late = workload.agents.find((agent) => agent.late)
    const started = performance.now()
    const calls = client.map(
      nap,
      workload.tasks.map((ms) => [ms, slowNode] as [number, string]),
    )
    let joinedAfterMs = 0
    if (late) {
      await startAgent(late).waitFor(/joined manager/)
      joinedAfterMs = performance.now() - started
    }
    const ran = await withLimit(calls, limitMs, workload.key)
    const makespanMs = performance.now() - started
    const status = await client.status()
    const perNode: Record<string, number> = {}
    for (const name of ran) perNode[name] = (perNode[name] ?? 0) + 1
    const idealMs = ideal(workload, joinedAfterMs)
    const stolen = status.nodes.reduce((sum, node) => sum + node.stolen, 0)
    return { makespanMs, idealMs, ratio: makespanMs / idealMs, perNode, stolen }
  } finally {
    await client?.close()
    for (const proc of processes.reverse()) await proc.stop()
    rmSync(home, { recursive: true, force: true })
  }
}

function ideal(workload: BalanceWorkload, joinedAfterMs: number): number {
  const work = workload.tasks.reduce((sum, ms) => sum + ms, 0)
  const longest = Math.max(...workload.tasks)
  let speed = 0
  let lateSpeed = 0
  for (const agent of workload.agents) {
    const rate = agent.workers / (agent.slowness ?? 1)
    if (agent.late) lateSpeed += rate
    else speed += rate
  }
  // Slots from the start run for T, the late ones for T − join: speed·T + lateSpeed·(T − join) = work
  // (unless the first slots are done before the join).
  const alone = work / speed
  const byWork =
    lateSpeed === 0 || alone <= joinedAfterMs ? alone : (work + lateSpeed * joinedAfterMs) / (speed + lateSpeed)
  return Math.max(byWork, longest)
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

function withLimit<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`W3 ${what} did not finish within ${ms} ms`)), ms)
  })
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer))
}
