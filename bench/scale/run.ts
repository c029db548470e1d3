/**
 * `npm run bench:scale`: one manager with 300 nodes and 2,000 connected clients, on separate
 * hosts (network namespaces; run as root on Linux). Real `node-agent`s with one worker each (as
 * many as `--real-agents`, 24 by default: each is two processes of ~50 MB), the rest simulated
 * nodes that speak the node protocol (sim-nodes.ts); real `Client`s (client-swarm.ts); a
 * dashboard connection (dashboard-observer.ts). It measures the manager's memory and CPU at idle
 * and under load, task latency, dashboard updates with 300 cards, and how long a drain and a lost
 * node take to show. Bounded: every wait has a limit, and everything it made is removed on exit.
 *
 *   npm run bench:scale [-- --nodes 300 --real-agents 24 --clients 2000 --load-seconds 20 --no-partition]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  createNetwork,
  networkUnavailableReason,
  onHost,
  removeLeftovers,
  type Host,
  type TestNetwork,
} from '../../tests/multihost/network.js'
import { killAllStarted, startLineProcess, type LineProcess } from './line-channel.js'

const { values: flags } = parseArgs({
  options: {
    nodes: { type: 'string', default: '300' },
    'real-agents': { type: 'string', default: '24' },
    clients: { type: 'string', default: '2000' },
    'load-seconds': { type: 'string', default: '20' },
    'no-partition': { type: 'boolean', default: false },
  },
})
const NODES = Number(flags.nodes)
const REAL = Math.min(Number(flags['real-agents']), NODES)
const CLIENTS = Number(flags.clients)
const LOAD_SECONDS = Number(flags['load-seconds'])
const TOKEN = 'scale-bench-token-0123456789abcdef'
const PORT = 8000
/** The whole run is bounded. */
const DEADLINE_MS = 15 * 60_000

const HERE = fileURLToPath(new URL('.', import.meta.url))
// Compiled to dist-bench/bench/scale/: the programs are the built ones in dist/.
const ROOT = resolve(HERE, '../../..')
const ARGON_BIN = join(ROOT, 'dist/cli/argon.js')
const NODE_AGENT_BIN = join(ROOT, 'dist/node-agent/cli.js')
const AGENT_HOSTS = ['agent-1', 'agent-2', 'agent-3', 'agent-4']
const CLIENT_HOSTS = ['client-1', 'client-2']
const SWARMS_PER_CLIENT_HOST = 2

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`)

interface Program {
  child: ChildProcess
  pid: number
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>
}

const programs = new Set<ChildProcess>()
/** Starts a program that prints text (manager, node-agent); its output is read (never left to fill a pipe). */
function startProgram(host: Host, argv: string[], env: Record<string, string> = {}): Program {
  const { command, args } = onHost(host, argv)
  const child = spawn(command, args, {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  programs.add(child)
  let output = ''
  const wakers = new Set<() => void>()
  const onData = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-64_000)
    for (const wake of wakers) wake()
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  return {
    child,
    pid: child.pid!,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolveWait, reject) => {
        const check = () => {
          if (pattern.test(output)) return done(() => resolveWait())
          if (child.exitCode !== null) done(() => reject(new Error(`${argv.join(' ')} exited: ${output}`)))
        }
        const timer = setTimeout(
          () => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${output.slice(-2000)}`))),
          timeoutMs,
        )
        const done = (finish: () => void) => {
          clearTimeout(timer)
          wakers.delete(check)
          finish()
        }
        wakers.add(check)
        check()
      })
    },
  }
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  // utime and stime are fields 14 and 15 of the line (11 and 12 after the command name).
  return (Number(fields[11]) + Number(fields[12])) / 100
}

function rssMiB(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return line ? Number(line[1]) / 1024 : 0
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}

/** The manager's CPU (% of one core) and RSS over `seconds`, while `during` runs. */
async function measureManager<T>(
  pid: number,
  during: Promise<T>,
): Promise<{ cpuPercent: number; rssMiB: number; result: T }> {
  const cpu0 = cpuSeconds(pid)
  const t0 = performance.now()
  let peak = rssMiB(pid)
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 500)
  const result = await during
  clearInterval(sampler)
  const elapsed = (performance.now() - t0) / 1000
  return { cpuPercent: ((cpuSeconds(pid) - cpu0) / elapsed) * 100, rssMiB: Math.max(peak, rssMiB(pid)), result }
}

function cpuSecondsOrZero(pid: number): number {
  try {
    return cpuSeconds(pid)
  } catch {
    return 0
  }
}

/** Busy and total CPU time of the whole machine (all cores), seconds. */
function machineCpu(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/)
  const ticks = fields.map(Number)
  const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0)
  const idle = ticks[3]! + ticks[4]!
  return { busy: (total - idle) / 100, total: total / 100 }
}

/** CPU seconds used by each group of processes between two calls of the returned function. */
function cpuByRole(roles: Record<string, number[]>): () => Record<string, number> {
  const start = Object.fromEntries(Object.entries(roles).map(([role, pids]) => [role, pids.map(cpuSecondsOrZero)]))
  return () =>
    Object.fromEntries(
      Object.entries(roles).map(([role, pids]) => [
        role,
        pids.reduce((sum, pid, index) => sum + cpuSecondsOrZero(pid) - start[role]![index]!, 0),
      ]),
    )
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

function inWaves<T>(items: T[], size: number, run: (item: T, index: number) => Promise<void>): Promise<void> {
  return items.reduce<Promise<void>>(
    (previous, _, start) =>
      start % size === 0
        ? previous
            .then(() => Promise.all(items.slice(start, start + size).map((item, offset) => run(item, start + offset))))
            .then(() => undefined)
        : previous,
    Promise.resolve(),
  )
}

async function main(): Promise<void> {
  const unavailable = networkUnavailableReason()
  if (unavailable !== null) {
    console.error(`bench:scale needs separate hosts: ${unavailable}`)
    process.exit(2)
  }
  removeLeftovers()
  const network: TestNetwork = createNetwork([
    { name: 'mgr', octet: 10 },
    ...AGENT_HOSTS.map((name, index) => ({ name, octet: 21 + index })),
    ...CLIENT_HOSTS.map((name, index) => ({ name, octet: 31 + index })),
    { name: 'dash', octet: 40 },
  ])
  const home = mkdtempSync(join(tmpdir(), 'argon-scale-'))
  const cleanUp = () => {
    for (const child of programs) {
      try {
        process.kill(child.pid!, 'SIGKILL')
      } catch {
        // gone
      }
    }
    killAllStarted()
    network.destroy()
    rmSync(home, { recursive: true, force: true })
  }
  process.on('exit', cleanUp)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130))
  setTimeout(() => {
    console.error(`bench:scale: still running after ${DEADLINE_MS / 60_000} min; stopping`)
    process.exit(1)
  }, DEADLINE_MS).unref()

  const mgr = network.host('mgr')
  const results: Record<string, unknown> = {
    nodes: NODES,
    realAgents: REAL,
    simulatedNodes: NODES - REAL,
    clients: CLIENTS,
  }
  log(
    `manager on ${mgr.address}; ${REAL} real agents + ${NODES - REAL} simulated nodes on ${AGENT_HOSTS.length} hosts; ${CLIENTS} clients on ${CLIENT_HOSTS.length} hosts`,
  )
  // Plain WebSocket: the simulated nodes and the observer speak it (TLS is the manager's default
  // beyond loopback; this run measures the protocol and the scheduler, not the cipher).
  const manager = startProgram(
    mgr,
    [process.execPath, ARGON_BIN, 'manager', '--port', String(PORT), '--token', TOKEN, '--no-tls'],
    { ARGON_HOME: home },
  )
  await manager.waitFor(/listening on/, 30_000)
  results.managerStartRssMiB = rssMiB(manager.pid)

  const managerAt = `${mgr.address}:${PORT}`
  const dash = startLineProcess(
    ...commandOf(network.host('dash'), ['dashboard-observer.js', mgr.address, String(PORT), TOKEN]),
  )
  await dash.event('ready', 30_000)

  // Real agents, a few at a time (each start costs a core for a moment).
  const realNames = Array.from({ length: REAL }, (_, index) => `real-${String(index + 1).padStart(2, '0')}`)
  const agents = new Map<string, Program>()
  const joinStarted = Date.now()
  await inWaves(realNames, 6, async (name, index) => {
    const agent = startProgram(
      network.host(AGENT_HOSTS[index % AGENT_HOSTS.length]!),
      [process.execPath, NODE_AGENT_BIN, '--join', managerAt, '--token', TOKEN, '--workers', '1', '--name', name],
      { ARGON_HOME: home },
    )
    agents.set(name, agent)
    await agent.waitFor(/joined manager/, 60_000)
  })
  const firstAgent = agents.get(realNames[0]!)
  if (firstAgent)
    results.realAgentRssMiB =
      rssMiB(firstAgent.pid) + childrenOf(firstAgent.pid).reduce((sum, pid) => sum + rssMiB(pid), 0)
  log(`${REAL} real agents joined in ${((Date.now() - joinStarted) / 1000).toFixed(1)} s`)

  // Simulated nodes: one process per agent host.
  const simulated = NODES - REAL
  const sims: LineProcess[] = []
  for (const [index, hostName] of AGENT_HOSTS.entries()) {
    const share = Math.floor(simulated / AGENT_HOSTS.length) + (index < simulated % AGENT_HOSTS.length ? 1 : 0)
    if (share === 0) continue
    sims.push(
      startLineProcess(
        ...commandOf(network.host(hostName), [
          'sim-nodes.js',
          mgr.address,
          String(PORT),
          TOKEN,
          String(share),
          `sim${index + 1}`,
          '1',
        ]),
      ),
    )
  }
  await waitUntil(
    async () =>
      (await Promise.all(sims.map((sim) => sim.call<number>('connected')))).reduce((sum, count) => sum + count, 0) ===
      simulated,
    120_000,
    'simulated nodes to connect',
  )
  log(
    `${simulated} simulated nodes connected; all ${NODES} nodes in ${((Date.now() - joinStarted) / 1000).toFixed(1)} s`,
  )

  // Clients.
  const swarms: LineProcess[] = []
  const swarmCount = CLIENT_HOSTS.length * SWARMS_PER_CLIENT_HOST
  for (let index = 0; index < swarmCount; index++) {
    const share = Math.floor(CLIENTS / swarmCount) + (index < CLIENTS % swarmCount ? 1 : 0)
    swarms.push(
      startLineProcess(
        ...commandOf(network.host(CLIENT_HOSTS[index % CLIENT_HOSTS.length]!), [
          'client-swarm.js',
          mgr.address,
          String(PORT),
          TOKEN,
          String(share),
        ]),
      ),
    )
  }
  const clientsStarted = Date.now()
  await Promise.all(
    swarms.map(async (swarm) => (await swarm.event('ready', 60_000), swarm.call('connect', {}, 180_000))),
  )
  log(`${CLIENTS} clients connected in ${((Date.now() - clientsStarted) / 1000).toFixed(1)} s`)

  // Idle: 300 nodes heartbeating every second, 2,000 idle clients, one dashboard.
  const idle = await measureManager(manager.pid, dash.call<Record<string, number>>('window', { seconds: 10 }, 60_000))
  results.idle = { managerCpuPercent: idle.cpuPercent, managerRssMiB: idle.rssMiB, dashboard: idle.result }
  results.snapshot = await dash.call('snapshot')
  log(
    `idle: manager ${idle.cpuPercent.toFixed(1)} % CPU, ${idle.rssMiB.toFixed(0)} MiB; dashboard ${JSON.stringify(idle.result)}`,
  )

  // Load: every client calls (x) => x + 1 back to back for LOAD_SECONDS.
  const roleCpu = cpuByRole({
    manager: [manager.pid],
    realAgents: [...agents.values()].flatMap((agent) => [agent.pid, ...childrenOf(agent.pid)]),
    simulatedNodes: sims.map((sim) => sim.pid),
    clients: swarms.map((swarm) => swarm.pid),
    dashboard: [dash.pid],
  })
  const machine0 = machineCpu()
  const loadAverageBefore = readFileSync('/proc/loadavg', 'utf8').split(' ')[0]
  const loadStarted = performance.now()
  const load = await measureManager(
    manager.pid,
    Promise.all([
      Promise.all(
        swarms.map((swarm) =>
          swarm.call<{ latencies: number[]; wrong: number; failed: number; failures: Record<string, number> }>(
            'load',
            { active: CLIENTS, seconds: LOAD_SECONDS },
            (LOAD_SECONDS + 120) * 1000,
          ),
        ),
      ),
      dash.call<Record<string, number>>(
        'window',
        { seconds: Math.max(1, LOAD_SECONDS - 2) },
        (LOAD_SECONDS + 60) * 1000,
      ),
    ]),
  )
  const loadSeconds = (performance.now() - loadStarted) / 1000
  const [swarmResults, loadDashboard] = load.result
  const latencies = swarmResults.flatMap((result) => result.latencies).sort((a, b) => a - b)
  const roleSeconds = roleCpu()
  const machine1 = machineCpu()
  const cpuPercentByRole = Object.fromEntries(
    Object.entries(roleSeconds).map(([role, seconds]) => [role, (seconds / loadSeconds) * 100]),
  )
  const swarmCpuPercent = cpuPercentByRole.clients!
  results.load = {
    seconds: loadSeconds,
    tasks: latencies.length,
    tasksPerSecond: latencies.length / loadSeconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    wrong: swarmResults.reduce((sum, result) => sum + result.wrong, 0),
    failed: swarmResults.reduce((sum, result) => sum + result.failed, 0),
    failures: swarmResults.reduce<Record<string, number>>((all, result) => {
      for (const [code, count] of Object.entries(result.failures)) all[code] = (all[code] ?? 0) + count
      return all
    }, {}),
    managerCpuPercent: load.cpuPercent,
    managerRssMiB: load.rssMiB,
    managerCpuUsPerTask:
      latencies.length > 0 ? (((load.cpuPercent / 100) * loadSeconds) / latencies.length) * 1e6 : Number.NaN,
    clientProcessesCpuPercent: swarmCpuPercent,
    cpuPercentByRole,
    machineBusyPercent: ((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 100,
    ourShareOfMachineBusyPercent:
      (Object.values(roleSeconds).reduce((sum, value) => sum + value, 0) / (machine1.busy - machine0.busy)) * 100,
    loadAverageBefore,
    loadAverageAfter: readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
    dashboard: loadDashboard,
  }
  log(`load: ${JSON.stringify(results.load)}`)

  // A drain, as the dashboard's button sends it, until the card shows it.
  const drained = realNames[0] ?? 'sim1-001'
  results.drain = await dash.call('drain', { name: drained })
  await dash.call('resume', { name: drained })
  log(`drain: ${JSON.stringify(results.drain)}`)

  // A node that dies (SIGKILL): the connection closes at once.
  if (REAL >= 2) {
    const victim = realNames[1]!
    const shown = dash.call<number>('waitState', { name: victim, state: 'offline', timeoutMs: 60_000 }, 70_000)
    const killedAt = Date.now()
    process.kill(agents.get(victim)!.pid, 'SIGKILL')
    const lostMs = (await shown) - killedAt
    results.lostOnKillMs = lostMs
    log(`node killed: offline on the dashboard after ${lostMs} ms`)
  }

  // A host cut off: nothing closes; only the ping timeout notices.
  if (!flags['no-partition']) {
    const cutHost = AGENT_HOSTS[AGENT_HOSTS.length - 1]!
    const cutIndex = AGENT_HOSTS.length
    const watched = `sim${cutIndex}-001`
    const shown = dash.call<number>('waitState', { name: watched, state: 'offline', timeoutMs: 90_000 }, 100_000)
    const cutAt = Date.now()
    network.setLink(cutHost, 'down')
    const lostMs = (await shown) - cutAt
    results.lostOnPartitionMs = lostMs
    network.setLink(cutHost, 'up')
    log(`host cut off: its nodes offline on the dashboard after ${lostMs} ms`)
  }

  console.log('\nRESULTS ' + JSON.stringify(results, null, 2))
  printTable(results)
  process.exit(0)
}

/** `node <script in this folder> args` on `host`, as a command line for startLineProcess. */
function commandOf(host: Host, [script, ...args]: string[]): [string, string[]] {
  const { command, args: argv } = onHost(host, [process.execPath, join(HERE, script!), ...args])
  return [command, argv]
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolveWait) => setTimeout(resolveWait, 500))
  }
}

function printTable(results: Record<string, unknown>): void {
  const r = results as {
    idle: { managerCpuPercent: number; managerRssMiB: number; dashboard: { perSecond: number; meanBytes: number } }
    load: {
      tasksPerSecond: number
      p50Ms: number
      p99Ms: number
      managerCpuPercent: number
      managerRssMiB: number
      managerCpuUsPerTask: number
      clientProcessesCpuPercent: number
      cpuPercentByRole: Record<string, number>
      machineBusyPercent: number
      ourShareOfMachineBusyPercent: number
      dashboard: { perSecond: number; meanBytes: number; maxBytes: number }
    }
    snapshot: { bytes: number } | null
    drain: { ackMs: number; shownMs: number }
    lostOnKillMs?: number
    lostOnPartitionMs?: number
    realAgentRssMiB?: number
  }
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
  console.log(`
| Figure | Idle | Under load |
|---|---:|---:|
| manager RSS | ${r.idle.managerRssMiB.toFixed(0)} MiB | ${r.load.managerRssMiB.toFixed(0)} MiB |
| manager CPU (% of one core) | ${r.idle.managerCpuPercent.toFixed(1)} % | ${r.load.managerCpuPercent.toFixed(1)} % |
| tasks/s | – | ${r.load.tasksPerSecond.toFixed(0)} |
| task latency p50 / p99 | – | ${r.load.p50Ms.toFixed(1)} / ${r.load.p99Ms.toFixed(1)} ms |
| manager CPU per task | – | ${r.load.managerCpuUsPerTask.toFixed(0)} µs |
| CPU under load (% of one core): manager / real agents / simulated nodes / clients / dashboard | – | ${Object.values(
    r.load.cpuPercentByRole,
  )
    .map((value) => value.toFixed(0))
    .join(' / ')} |
| machine busy (all cores) during the load, our share of it | – | ${r.load.machineBusyPercent.toFixed(0)} %, ${r.load.ourShareOfMachineBusyPercent.toFixed(0)} % |
| dashboard updates/s | ${r.idle.dashboard.perSecond.toFixed(2)} | ${r.load.dashboard.perSecond.toFixed(2)} |
| dashboard update size (mean) | ${kib(r.idle.dashboard.meanBytes)} | ${kib(r.load.dashboard.meanBytes)} (max ${kib(r.load.dashboard.maxBytes)}) |

Dashboard snapshot on open: ${r.snapshot ? kib(r.snapshot.bytes) : '?'}. Drain: answered in ${r.drain.ackMs} ms, on the dashboard after ${r.drain.shownMs} ms.
Node killed: offline on the dashboard after ${r.lostOnKillMs ?? '–'} ms. Host cut off: offline after ${r.lostOnPartitionMs ?? '–'} ms.
One real agent (--workers 1): ${r.realAgentRssMiB?.toFixed(0) ?? '?'} MiB RSS (agent + child).`)
}

main().catch((error: unknown) => {
  console.error(`bench:scale failed: ${(error as Error).stack ?? String(error)}`)
  process.exit(1)
})
