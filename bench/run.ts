/**
 * `npm run bench`: runs the same three workloads through the bare chain, Moleculer and Argon,
 * interleaving the systems round by round, and prints (and writes to bench/results.md) a Markdown
 * table of the medians with the target ratios.
 *
 *   W1a  p50/p99 latency of 2,000 sequential `(x, y) => x + y` calls
 *   W1b  tasks/s for 50,000 such calls with at most 1,000 in flight
 *   W2   400 tasks of ~10 ms CPU on 2 worker processes: wall time and efficiency
 *   W3   balance (Argon only): mixed sleep-based workloads on 2+ agents, makespan ÷ ideal
 *   W4   1,000 tasks with a 256 KiB argument and a 256 KiB result: MB/s end to end
 *   and, for Argon, the manager's resident memory per queued task with 1,000,000 tasks waiting
 *
 * Every measurement follows a warm-up to a steady state, by the same rule for every system
 * (harness/warm-up.ts; bench/README.md says which).
 *
 * Options: --rounds N (3)  --systems bare,moleculer,argon  --w1-workers N (1)  --w2-workers N (2)
 *          --quick (small counts, a smoke test; results.md is left alone)  --profile DIR (CPU
 *          profiles of Argon's manager and agent)  --out FILE  --workloads w1,w2,w3,w4,queued (all)
 *          --priority=N: run the bench and every process it starts at scheduling priority N
 *          (e.g. --priority=-10; below 0 needs privileges), so a busy shared machine disturbs all systems less
 *          --quiet-max F (0.15) --quiet-timeout S (90): before each measurement, wait up to S
 *          seconds for the machine to be at most F busy (other processes skew the numbers)
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { cpus, setPriority } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createBareChain } from './bare/system.js'
import { killAllNow, runningCount, stopAll } from './harness/processes.js'
import { cpuPerTask, cpuSnapshot } from './harness/cpu-accounting.js'
import { waitForQuiet } from './harness/quiet.js'
import { warmUntilSteady, type WarmUpResult } from './harness/warm-up.js'
import { median } from './harness/stats.js'
import type { System } from './harness/system.js'
import { cpuBound, largePayloads, sequentialLatency, throughput, within } from './harness/workloads.js'
import { createMoleculer } from './moleculer/system.js'
import type { BalanceResult } from './argon/balance.js'

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    systems: { type: 'string', default: 'bare,moleculer,argon' },
    'w1-workers': { type: 'string', default: '1' },
    'w2-workers': { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'string' },
    priority: { type: 'string' },
    'quiet-max': { type: 'string', default: '0.15' },
    'quiet-timeout': { type: 'string', default: '90' },
    out: { type: 'string' },
    workloads: { type: 'string', default: 'w1,w2,w3,w4,queued' },
  },
})
const WORKLOADS = new Set((options.workloads ?? '').split(',').map((w) => w.trim()))
for (const w of WORKLOADS)
  if (!['w1', 'w2', 'w3', 'w4', 'queued'].includes(w))
    throw new TypeError(`--workloads: unknown workload '${w}' (w1, w2, w3, w4, queued)`)

function positiveInt(name: string, text: string | undefined): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`--${name} must be a positive integer`)
  return value
}

const ROUNDS = positiveInt('rounds', options.rounds)
const W1_WORKERS = positiveInt('w1-workers', options['w1-workers'])
const W2_WORKERS = positiveInt('w2-workers', options['w2-workers'])
const QUICK = options.quick === true
const QUIET_MAX = Number(options['quiet-max'])
if (!(QUIET_MAX > 0 && QUIET_MAX <= 1)) throw new TypeError('--quiet-max must be a fraction in (0, 1]')
const QUIET_TIMEOUT_MS = positiveInt('quiet-timeout', options['quiet-timeout']) * 1000
const SIZES = QUICK
  ? {
      w1a: 200,
      w1b: 5_000,
      inFlight: 1_000,
      w2: 40,
      warmSeq: { tasks: 50, settled: 0.95, minPasses: 1, maxPasses: 2 },
      warmBurst: 1_000,
      warmCpu: { tasks: 40, settled: 0.95, minPasses: 1, maxPasses: 2 },
      w4: 100,
      w4Warm: 20,
      queued: 100_000,
    }
  : {
      w1a: 2_000,
      w1b: 50_000,
      inFlight: 1_000,
      w2: 400,
      warmSeq: { tasks: 2_000, settled: 0.95, minPasses: 5, maxPasses: 15 },
      warmBurst: 10_000,
      // W2 runs one task per 5 ms: at that rate V8 takes thousands of tasks to finish optimising a
      // path, and a pass of 400 is read in 10 ms CPU ticks (25 µs per task, the rule's 5 %).
      warmCpu: { tasks: 1_000, settled: 0.95, minPasses: 5, maxPasses: 8 },
      w4: 1_000,
      w4Warm: 100,
      queued: 1_000_000,
    }
/** W4: argument (and result) size, and tasks in flight. */
const W4_BYTES = 256 * 1024
const W4_IN_FLIGHT = 8
/** Upper bounds so a stuck system fails its measurement instead of hanging the run. */
const LIMIT_MS = {
  start: 60_000,
  w1a: 120_000,
  w1b: 300_000,
  w2: 120_000,
  w4: 300_000,
  queued: 600_000,
  warm: 300_000,
  stop: 30_000,
  run: 90 * 60_000,
}

// Set before anything is spawned: child processes inherit their parent's priority.
const PRIORITY = options.priority === undefined ? undefined : Number(options.priority)
if (PRIORITY !== undefined) {
  if (!Number.isInteger(PRIORITY) || PRIORITY < -20 || PRIORITY > 19)
    throw new TypeError('--priority must be an integer from -20 to 19')
  setPriority(PRIORITY)
}

// Argon is loaded lazily so the references still run when only they are wanted.
const factories: Record<string, () => Promise<System>> = {
  bare: () => Promise.resolve(createBareChain()),
  moleculer: () => Promise.resolve(createMoleculer()),
  argon: async () =>
    (await import('./argon/system.js')).createArgon(options.profile ? { profileDir: options.profile } : {}),
}
const keys = (options.systems ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
for (const key of keys)
  if (!(key in factories)) throw new TypeError(`--systems: unknown system '${key}' (bare, moleculer, argon)`)
const systems: { key: string; system: System }[] = []
for (const key of keys) systems.push({ key, system: await (factories[key] as () => Promise<System>)() })

// Every spawned process dies with the run, whatever ends it.
process.on('exit', killAllNow)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping every benchmark process`)
    killAllNow()
    process.exit(130)
  })
}
const runDeadline = setTimeout(() => {
  console.error(`the benchmark did not finish within ${LIMIT_MS.run / 60_000} minutes; stopping`)
  killAllNow()
  process.exit(2)
}, LIMIT_MS.run)
runDeadline.unref()

interface Samples {
  w1aP50: number[]
  w1aP99: number[]
  w1b: number[]
  w2Wall: number[]
  w2Efficiency: number[]
  w2Gap: number[]
  w2LeadIn: number[]
  w2Tail: number[]
  /** W4 MB/s (argument plus result bytes). */
  w4: number[]
  /** How busy the machine was just before each measurement (0..1). */
  busyBefore: number[]
  /** CPU µs per task by process role, one map per round. */
  cpuW1a: Map<string, number>[]
  cpuW1b: Map<string, number>[]
  /** W2: CPU µs per task of every process but the workers. */
  cpuW2: Map<string, number>[]
  /** Sequential calls the W1 warm-up took to reach a steady CPU per call. */
  warmCalls: number[]
  /** CPU tasks the W2 warm-up took to reach a steady CPU per task outside the workers. */
  warmCpuTasks: number[]
  failure?: string
}
const samples = new Map<string, Samples>(
  systems.map(({ key }) => [
    key,
    {
      w1aP50: [],
      w1aP99: [],
      w1b: [],
      w2Wall: [],
      w2Efficiency: [],
      w2Gap: [],
      w2LeadIn: [],
      w2Tail: [],
      w4: [],
      busyBefore: [],
      cpuW1a: [],
      cpuW2: [],
      warmCalls: [],
      warmCpuTasks: [],
      cpuW1b: [],
    },
  ]),
)

const fmt = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a')
const log = (line: string): void => console.log(line)

/**
 * Waits (bounded) for the machine to be quiet while the system under test idles, and records
 * how busy it was, so numbers taken next to a busy neighbour can be told apart.
 */
async function quiet(s: Samples): Promise<void> {
  const busy = await waitForQuiet({ maxBusy: QUIET_MAX, windowMs: 500, timeoutMs: QUIET_TIMEOUT_MS })
  s.busyBefore.push(busy)
  if (busy > QUIET_MAX)
    log(`  (machine still ${fmt(busy * 100, 0)}% busy after ${QUIET_TIMEOUT_MS / 1000} s; measuring anyway)`)
}

/** `total µs = role µs · role µs …` for one CPU-per-task breakdown. */
function cpuLine(rows: readonly (readonly [string, number])[]): string {
  const total = rows.reduce((sum, [, us]) => sum + us, 0)
  return `${fmt(total, 0)} µs = ${rows.map(([role, us]) => `${role} ${fmt(us, 0)}`).join(' · ')}`
}

/** Per role, the median over rounds of the CPU µs per task (largest first). */
function medianCpu(rounds: readonly Map<string, number>[]): [string, number][] {
  const roles = new Set(rounds.flatMap((round) => [...round.keys()]))
  return [...roles]
    .map((role): [string, number] => [role, median(rounds.map((round) => round.get(role) ?? 0))])
    .sort((a, b) => b[1] - a[1])
}

/** Sum over roles of the per-role medians of CPU µs per task. */
function cpuTotal(rounds: readonly Map<string, number>[]): number {
  return rounds.length === 0 ? Number.NaN : medianCpu(rounds).reduce((sum, [, us]) => sum + us, 0)
}

/** Starts `system`, runs `body`, and always stops it again. */
async function session(system: System, workers: number, body: () => Promise<void>): Promise<void> {
  try {
    await within(LIMIT_MS.start, `${system.name} start`, system.start(workers))
    await body()
  } finally {
    await within(LIMIT_MS.stop, `${system.name} stop`, system.stop()).catch((error: unknown) => {
      console.error(String(error))
      killAllNow()
    })
  }
}

/** Sequential calls until a call's CPU, all processes, settles (the same rule for every system). */
function warmSequential(system: System): Promise<WarmUpResult> {
  return warmUntilSteady(
    () => sequentialLatency(system, SIZES.warmSeq.tasks),
    () => true,
    SIZES.warmSeq,
  )
}

async function measureW1(system: System, s: Samples, round: number): Promise<void> {
  await session(system, W1_WORKERS, async () => {
    // Warm-up: the connections' buffers and the JIT of every process on the path, batched then
    // sequential, until a sequential call costs as much CPU as the one before it (steady state).
    await within(LIMIT_MS.warm, `${system.name} warm-up`, throughput(system, SIZES.warmBurst, SIZES.inFlight))
    const warm = await within(LIMIT_MS.warm, `${system.name} warm-up`, warmSequential(system))
    s.warmCalls.push(warm.tasks)
    log(
      `  round ${round}  ${system.name.padEnd(22)} warm-up: ${warm.tasks} sequential calls, last ${fmt(warm.lastCpuUs, 0)} µs CPU per call${warm.steady ? '' : ' (not steady yet)'}`,
    )
    await quiet(s)
    let before = cpuSnapshot()
    const latency = await within(LIMIT_MS.w1a, `${system.name} W1a`, sequentialLatency(system, SIZES.w1a))
    s.cpuW1a.push(new Map(cpuPerTask(before, cpuSnapshot(), SIZES.w1a)))
    await quiet(s)
    before = cpuSnapshot()
    const rate = await within(LIMIT_MS.w1b, `${system.name} W1b`, throughput(system, SIZES.w1b, SIZES.inFlight))
    const cpu = cpuPerTask(before, cpuSnapshot(), SIZES.w1b)
    s.cpuW1b.push(new Map(cpu))
    s.w1aP50.push(latency.p50Ms)
    s.w1aP99.push(latency.p99Ms)
    s.w1b.push(rate.tasksPerSecond)
    log(
      `  round ${round}  ${system.name.padEnd(22)} W1a p50 ${fmt(latency.p50Ms, 3)} ms  p99 ${fmt(latency.p99Ms, 3)} ms   W1b ${fmt(rate.tasksPerSecond, 0)} tasks/s`,
    )
    log(`  ${' '.repeat(30)}W1b CPU/task: ${cpuLine(cpu)}`)
  })
}

async function measureW2(system: System, s: Samples, round: number): Promise<void> {
  await session(system, W2_WORKERS, async () => {
    // Warm-up: lone calls to a steady state, then the workload itself, unmeasured, until the CPU
    // the system spends outside its workers per task settles (its refill path is its own).
    await within(LIMIT_MS.warm, `${system.name} warm-up`, warmSequential(system))
    const warm = await within(
      LIMIT_MS.warm,
      `${system.name} warm-up`,
      warmUntilSteady(
        () => cpuBound(system, SIZES.warmCpu.tasks, W2_WORKERS),
        (role) => !system.isWorkerRole(role),
        SIZES.warmCpu,
      ),
    )
    s.warmCpuTasks.push(warm.tasks)
    log(
      `  round ${round}  ${system.name.padEnd(22)} warm-up: ${warm.tasks} CPU tasks, last ${fmt(warm.lastCpuUs, 0)} µs CPU per task outside the workers${warm.steady ? '' : ' (not steady yet)'}`,
    )
    await quiet(s)
    const before = cpuSnapshot()
    const cpu = await within(LIMIT_MS.w2, `${system.name} W2`, cpuBound(system, SIZES.w2, W2_WORKERS))
    // The workers' own busy loops are the work itself; every other process's CPU is overhead they wait on.
    const overhead = cpuPerTask(before, cpuSnapshot(), SIZES.w2).filter(([role]) => !system.isWorkerRole(role))
    s.cpuW2.push(new Map(overhead))
    s.w2Wall.push(cpu.wallMs)
    s.w2Efficiency.push(cpu.efficiency)
    s.w2Gap.push(cpu.meanGapMs)
    s.w2LeadIn.push(cpu.leadInMs)
    s.w2Tail.push(cpu.tailMs)
    log(
      `  round ${round}  ${system.name.padEnd(22)} W2 wall ${fmt(cpu.wallMs, 0)} ms  efficiency ${fmt(cpu.efficiency, 3)}  ` +
        `(worker idle between tasks ${fmt(cpu.meanGapMs, 2)} ms, lead-in ${fmt(cpu.leadInMs, 1)} ms, tail ${fmt(cpu.tailMs, 1)} ms, tasks per worker ${cpu.perWorker.join('/')})`,
    )
    log(`  ${' '.repeat(30)}W2 CPU/task outside the workers: ${cpuLine(overhead)}`)
  })
}

const W3_LIMIT_MS = 120_000
const w3Module = WORKLOADS.has('w3') && keys.includes('argon') ? await import('./argon/balance.js') : undefined
const w3Samples = new Map<string, BalanceResult[]>()
let w3Failure: string | undefined

/** W3: each balance workload once per round, on a fresh cluster (Argon only: it is about Argon's scheduler). */
async function measureW3(round: number): Promise<void> {
  if (w3Failure !== undefined) return
  const { balanceWorkloads, runBalanceWorkload } = w3Module!
  for (const workload of balanceWorkloads(QUICK ? 0.25 : 1)) {
    try {
      await waitForQuiet({ maxBusy: QUIET_MAX, windowMs: 500, timeoutMs: QUIET_TIMEOUT_MS })
      const result = await runBalanceWorkload(workload, W3_LIMIT_MS)
      const list = w3Samples.get(workload.key) ?? []
      list.push(result)
      w3Samples.set(workload.key, list)
      const split = Object.entries(result.perNode)
        .map(([node, count]) => `${node} ${count}`)
        .join(', ')
      log(
        `  round ${round}  W3 ${workload.key.padEnd(14)} makespan ${fmt(result.makespanMs, 0)} ms  ideal ${fmt(result.idealMs, 0)} ms  ratio ${fmt(result.ratio, 3)}  (${split}; stolen ${result.stolen})`,
      )
    } catch (error) {
      w3Failure = error instanceof Error ? error.message : String(error)
      console.error(`  round ${round}  W3 ${workload.key}: FAILED: ${w3Failure}`)
      return
    }
  }
}

/** The W3 table: per workload the median makespan, ideal and ratio over the rounds. */
function w3Report(): string[] {
  if (w3Samples.size === 0) return w3Failure ? [`W3 failed: ${w3Failure}`] : []
  const { balanceWorkloads } = w3Module!
  const rows = [
    '| W3 balance workload (Argon, median of rounds) | Makespan (ms) | Ideal (ms) | Ratio | ≤ 1.15 | Tasks per node (last round) |',
    '|---|---:|---:|---:|:---:|---|',
  ]
  for (const workload of balanceWorkloads(QUICK ? 0.25 : 1)) {
    const results = w3Samples.get(workload.key)
    if (!results) continue
    const ratio = median(results.map((r) => r.ratio))
    const last = results[results.length - 1]!
    const split = Object.entries(last.perNode)
      .map(([node, count]) => `${node} ${count}`)
      .join(', ')
    rows.push(
      `| ${workload.label} | ${fmt(median(results.map((r) => r.makespanMs)), 0)} | ${fmt(median(results.map((r) => r.idealMs)), 0)} | ${fmt(ratio, 3)} | ${ratio <= 1.15 ? 'yes' : 'no'} | ${split} |`,
    )
  }
  if (w3Failure) rows.push('', `W3 failed: ${w3Failure}`)
  return rows
}
async function measureW4(system: System, s: Samples, round: number): Promise<void> {
  await session(system, W1_WORKERS, async () => {
    await within(LIMIT_MS.warm, `${system.name} warm-up`, largePayloads(system, SIZES.w4Warm, W4_BYTES, W4_IN_FLIGHT))
    await quiet(s)
    const result = await within(
      LIMIT_MS.w4,
      `${system.name} W4`,
      largePayloads(system, SIZES.w4, W4_BYTES, W4_IN_FLIGHT),
    )
    s.w4.push(result.megabytesPerSecond)
    log(
      `  round ${round}  ${system.name.padEnd(22)} W4 ${fmt(result.megabytesPerSecond, 0)} MB/s (${fmt(result.wallMs, 0)} ms)`,
    )
  })
}

/** Argon's manager memory with SIZES.queued tasks waiting (measured once per run). */
let queued: { bytesPerTask: number; residentBeforeMb: number; residentAfterMb: number } | undefined
let queuedFailure: string | undefined

async function main(): Promise<void> {
  const started = new Date()
  log(
    `Argon benchmark: ${ROUNDS} round(s), systems interleaved; W1 on ${W1_WORKERS} worker process(es), W2 on ${W2_WORKERS}${QUICK ? ' (quick mode: small counts)' : ''}${PRIORITY !== undefined ? `; priority ${PRIORITY}` : ''}`,
  )
  for (let round = 1; round <= ROUNDS; round++) {
    // Rotate the order each round so no system always runs first (or right after another).
    const order = systems.map((_, i) => systems[(i + round - 1) % systems.length]!)
    for (const measure of [
      WORKLOADS.has('w1') ? measureW1 : null,
      WORKLOADS.has('w2') ? measureW2 : null,
      WORKLOADS.has('w4') ? measureW4 : null,
    ].filter((m) => m !== null)) {
      for (const { key, system } of order) {
        const s = samples.get(key)!
        if (s.failure !== undefined) continue
        try {
          await measure(system, s, round)
        } catch (error) {
          s.failure = error instanceof Error ? error.message : String(error)
          console.error(`  round ${round}  ${system.name}: FAILED: ${s.failure}`)
        }
      }
    }
    if (WORKLOADS.has('w3') && keys.includes('argon')) await measureW3(round)
  }
  if (WORKLOADS.has('queued') && keys.includes('argon')) {
    try {
      const { queuedMemory } = await import('./argon/queued-memory.js')
      queued = await queuedMemory(SIZES.queued, LIMIT_MS.queued)
      log(
        `  Argon manager with ${SIZES.queued.toLocaleString('en-US')} queued tasks: ${fmt(queued.bytesPerTask, 0)} bytes per task (resident ${fmt(queued.residentBeforeMb, 0)} → ${fmt(queued.residentAfterMb, 0)} MiB)`,
      )
    } catch (error) {
      queuedFailure = error instanceof Error ? error.message : String(error)
      console.error(`  queued-memory measurement FAILED: ${queuedFailure}`)
    }
  }
  await stopAll()
  report(started)
}

/** The commit the benchmarked build came from (with `+changes` if the tree was dirty); undefined outside git. */
function sourceCommit(): string | undefined {
  const cwd = fileURLToPath(new URL('../../', import.meta.url))
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
    const dirty = execFileSync(
      'git',
      [
        'status',
        '--porcelain',
        '--untracked-files=no',
        '--',
        'protocol',
        'manager',
        'node-agent',
        'client',
        'cli',
        'bench',
      ],
      {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    ).trim()
    return dirty ? `${head}+changes` : head
  } catch {
    return undefined
  }
}

function report(started: Date): void {
  const cols = systems.map(({ key, system }) => ({ name: system.name, s: samples.get(key)! }))
  const med = (pick: (s: Samples) => number[]) => cols.map(({ s }) => median(pick(s)))
  const row = (label: string, values: number[], digits: number): string =>
    `| ${label} | ${values.map((v) => fmt(v, digits)).join(' | ')} |`
  const n = (value: number): string => value.toLocaleString('en-US')

  const table = [
    `| Workload (median of ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}) | ${cols.map((c) => c.name).join(' | ')} |`,
    `|---|${cols.map(() => '---:').join('|')}|`,
    row(
      `W1a p50 latency, ${n(SIZES.w1a)} sequential calls (ms)`,
      med((s) => s.w1aP50),
      3,
    ),
    row(
      `W1a p99 latency (ms)`,
      med((s) => s.w1aP99),
      3,
    ),
    row(
      `W1b throughput, ${n(SIZES.w1b)} calls, ≤ ${n(SIZES.inFlight)} in flight (tasks/s)`,
      med((s) => s.w1b),
      0,
    ),
    row(
      `W2 wall time, ${n(SIZES.w2)} × 10 ms CPU (ms)`,
      med((s) => s.w2Wall),
      0,
    ),
    row(
      `W2 efficiency = ${n(SIZES.w2)} × 10 ms ÷ (wall × ${W2_WORKERS})`,
      med((s) => s.w2Efficiency),
      3,
    ),
    row(
      `W2 mean idle time of a worker between two tasks (ms)`,
      med((s) => s.w2Gap),
      2,
    ),
    row(
      `W4 large payloads, ${n(SIZES.w4)} × 256 KiB argument + 256 KiB result, ≤ ${W4_IN_FLIGHT} in flight (MB/s)`,
      med((s) => s.w4),
      0,
    ),
    row(
      `W1b CPU per task, all processes (µs)`,
      cols.map(({ s }) => cpuTotal(s.cpuW1b)),
      1,
    ),
    row(
      `W1a CPU per task, all processes (µs)`,
      cols.map(({ s }) => cpuTotal(s.cpuW1a)),
      0,
    ),
    row(
      `W1 warm-up: sequential calls to a steady CPU per call`,
      med((s) => s.warmCalls),
      0,
    ),
    row(
      `W2 warm-up: CPU tasks to a steady CPU per task outside the workers`,
      med((s) => s.warmCpuTasks),
      0,
    ),
  ]
  if (queued !== undefined || queuedFailure !== undefined) {
    table.push(
      `| Manager memory with ${n(SIZES.queued)} queued tasks (bytes per task, resident) | ${cols
        .map(({ name }) => (name === 'Argon' ? (queued ? fmt(queued.bytesPerTask, 0) : 'failed') : '—'))
        .join(' | ')} |`,
    )
  }

  const byKey = (key: string) => samples.get(key)
  const medianOf = (key: string, pick: (s: Samples) => number[]): number => {
    const s = byKey(key)
    return s ? median(pick(s)) : Number.NaN
  }
  const ratioRows: [string, number, string, (v: number) => boolean][] = [
    [
      'W1b tasks/s, Argon ÷ Moleculer',
      medianOf('argon', (s) => s.w1b) / medianOf('moleculer', (s) => s.w1b),
      '≥ 1.0',
      (v) => v >= 1,
    ],
    [
      'W1a p50, Argon ÷ bare chain',
      medianOf('argon', (s) => s.w1aP50) / medianOf('bare', (s) => s.w1aP50),
      '≤ 1.0',
      (v) => v <= 1,
    ],
    [
      'W4 MB/s, Argon ÷ bare chain',
      medianOf('argon', (s) => s.w4) / medianOf('bare', (s) => s.w4),
      '≥ 0.8',
      (v) => v >= 0.8,
    ],
    [
      'W1b CPU per task, Argon, all 4 processes (µs)',
      byKey('argon') ? cpuTotal(byKey('argon')!.cpuW1b) : Number.NaN,
      '≤ 15',
      (v) => v <= 15,
    ],
    ['Manager bytes per queued task, Argon', queued?.bytesPerTask ?? Number.NaN, '< 300', (v) => v < 300],
    ...systems.map(({ key, system }): [string, number, string, (v: number) => boolean] => [
      `W2 efficiency, ${system.name}`,
      medianOf(key, (s) => s.w2Efficiency),
      '≥ 0.97',
      (v) => v >= 0.97,
    ]),
  ]
  const ratios = [
    '| Ratio | Value | Target | Met |',
    '|---|---:|---:|:---:|',
    ...ratioRows.map(
      ([label, value, target, met]) =>
        `| ${label} | ${fmt(value, 3)} | ${target} | ${Number.isFinite(value) ? (met(value) ? 'yes' : 'no') : 'n/a'} |`,
    ),
  ]

  const workerLine = `Worker processes: ${W1_WORKERS} for W1a/W1b and ${W2_WORKERS} for W2, the same in every system.`
  const failures = cols.filter((c) => c.s.failure !== undefined).map((c) => `- ${c.name} failed: ${c.s.failure}`)
  const w3 = w3Report()
  const printed = [
    table.join('\n'),
    '',
    workerLine,
    '',
    ratios.join('\n'),
    ...(failures.length ? ['', ...failures] : []),
    ...(w3.length ? ['', ...w3] : []),
  ].join('\n')
  log('')
  log(printed)

  const cpuModel = cpus()[0]?.model ?? 'unknown CPU'
  const commit = sourceCommit()
  const raw = cols.map(
    ({ name, s }) =>
      `- ${name}: W1a p50 [${s.w1aP50.map((v) => fmt(v, 3)).join(', ')}] ms, p99 [${s.w1aP99.map((v) => fmt(v, 3)).join(', ')}] ms; ` +
      `W1b [${s.w1b.map((v) => fmt(v, 0)).join(', ')}] tasks/s; W2 wall [${s.w2Wall.map((v) => fmt(v, 0)).join(', ')}] ms, ` +
      `efficiency [${s.w2Efficiency.map((v) => fmt(v, 3)).join(', ')}], idle gap [${s.w2Gap.map((v) => fmt(v, 2)).join(', ')}] ms, ` +
      `lead-in [${s.w2LeadIn.map((v) => fmt(v, 1)).join(', ')}] ms, tail [${s.w2Tail.map((v) => fmt(v, 1)).join(', ')}] ms; W4 [${s.w4.map((v) => fmt(v, 0)).join(', ')}] MB/s; machine busy before each measurement ` +
      `[${s.busyBefore.map((v) => `${fmt(v * 100, 0)}%`).join(', ')}]`,
  )
  const cpuSection = [
    'CPU time per task (µs, all processes of each system, median over rounds; from /proc, so Linux only). Unlike the',
    'rates above it barely moves when other programs load the machine, and it shows which hop the time goes to.',
    '',
    ...cols.flatMap(({ name, s }) => [
      ...(s.cpuW1b.length === 0
        ? []
        : [`- ${name}: W1a ${cpuLine(medianCpu(s.cpuW1a))}`, `- ${name}: W1b ${cpuLine(medianCpu(s.cpuW1b))}`]),
      ...(s.cpuW2.length === 0 ? [] : [`- ${name}: W2, outside the workers ${cpuLine(medianCpu(s.cpuW2))}`]),
    ]),
  ]
  log('')
  log(cpuSection.join('\n'))

  const markdown = [
    '# Benchmark results',
    '',
    `${started.toISOString().slice(0, 10)} · Node ${process.version} · ${cpuModel} × ${cpus().length} · ${ROUNDS} round(s), systems interleaved, warm-up before each measurement${PRIORITY !== undefined ? ` · all processes at priority ${PRIORITY}` : ''}${commit ? ` · commit ${commit}` : ''}`,
    '',
    printed,
    '',
    ...cpuSection,
    '',
    'Systems:',
    '',
    ...systems.map(({ system }) => `- **${system.name}**: ${system.description}.`),
    '',
    'Every round, per system:',
    '',
    ...raw,
    '',
    'Reproduce with `npm run bench` (see bench/README.md).',
    '',
  ].join('\n')
  if (!QUICK || options.out) {
    const out = options.out ?? fileURLToPath(new URL('../../bench/results.md', import.meta.url))
    writeFileSync(out, markdown)
    log(`\nwritten to ${out}`)
  }
}

try {
  await main()
} catch (error) {
  console.error(error)
  process.exitCode = 1
} finally {
  killAllNow()
  if (runningCount() > 0)
    console.error(`${runningCount()} benchmark process(es) were still running and have been killed`)
}
