import { Command, Option } from 'commander'
import { io, type Socket } from 'socket.io-client'
import { z } from 'zod'
import {
  ArgonError,
  NAMESPACES,
  PROTOCOL_VERSION,
  SOCKET_PATHS,
  describeTlsFailure,
  exitCodeOf,
  isErrorCode,
  parseAddress,
  resolveManagerEndpoint,
  resolveToken,
  valueOfReply,
  clusterStatusSchema,
  nodeStatusSchema,
  taskPageSchema,
  jobStatusSchema,
  type ClusterStatus,
  type ControlToManagerEvents,
  type JobStatus,
  type ManagerToControlEvents,
  type NodeStatus,
  type TaskQuery,
  type TaskRecord,
  TASK_RECORD_STATUSES,
} from '../protocol/index.js'
import { addTokenOptions, addTrustOptions, tokenFromFlags, trustFromFlags } from './connection-options.js'
import { address, duration, positiveInteger } from './option-parsers.js'

interface ControlFlags {
  manager: string
  json?: boolean
  fingerprint?: string
  ca?: string
  tls?: boolean
}

type ControlSocket = Socket<ManagerToControlEvents, ControlToManagerEvents>

/** Connects to the manager's control namespace, runs `use`, and disconnects. */
async function withControl<T>(command: Command, use: (socket: ControlSocket) => Promise<T>): Promise<T> {
  const flags = command.opts<ControlFlags>()
  const { host, port } = parseAddress(flags.manager, 8000)
  let token: string | undefined
  let endpoint: ReturnType<typeof resolveManagerEndpoint>
  try {
    token = resolveToken(tokenFromFlags(command))
    endpoint = resolveManagerEndpoint(host, port, trustFromFlags(flags))
  } catch (error) {
    throw new ArgonError('BAD_REQUEST', (error as Error).message)
  }
  if (!token)
    throw new ArgonError(
      'UNAUTHORIZED',
      "no token: pass --token-file or --token, set ARGON_TOKEN, or run on the manager's machine (it shares the token file)",
    )
  const socket: ControlSocket = io(`${endpoint.origin}${NAMESPACES.control}`, {
    ...endpoint.socketOptions,
    path: SOCKET_PATHS.control,
    transports: ['websocket'],
    auth: { token, protocol: PROTOCOL_VERSION },
    reconnection: false,
    timeout: 5000,
  })
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve())
      socket.once('connect_error', (error: Error & { data?: { code?: string } }) => {
        const tlsFailure = describeTlsFailure(error, endpoint)
        reject(
          tlsFailure
            ? new ArgonError(tlsFailure.code, tlsFailure.message)
            : describeConnectError(error, `${host}:${port}`),
        )
      })
    })
    return await use(socket)
  } finally {
    socket.disconnect()
  }
}

/** Says what happened (reached or not, refused why) and what to do next. */
function describeConnectError(
  error: Error & { data?: { code?: string }; description?: unknown },
  where: string,
): ArgonError {
  const code = error.data?.code
  if (code === 'UNAUTHORIZED') {
    return new ArgonError(
      code,
      `reached the manager at ${where}; it refused the token: pass the manager's token with --token or ARGON_TOKEN, or --token-file PATH (it is in the manager's token file and in the dashboard URL it prints)`,
    )
  }
  if (code !== undefined)
    return new ArgonError(
      isErrorCode(code) ? code : 'CONNECTION_FAILED',
      `reached the manager at ${where}; it refused the connection: ${error.message}`,
    )
  const cause = (error.description as { message?: string } | undefined)?.message ?? error.message
  return new ArgonError(
    'CONNECTION_FAILED',
    `cannot reach the manager at ${where} (${cause}): start it with \`argon manager\`, or point to it with --manager HOST:PORT`,
  )
}

/** The seed's STATUS, as a table; an empty cluster says how to add a node to `manager`. */
export function formatStatus(status: ClusterStatus, manager = 'HOST:PORT'): string {
  if (status.nodes.length === 0) {
    return `No nodes have joined this manager yet. Add one with:\n  node-agent --join ${manager}\n(on another machine add --token, as \`argon manager\` printed; \`argon demo\` runs a whole cluster on this one)\n\n${formatQueue(status)}`
  }
  const rows = [
    ['NAME', 'STATE', 'HOST', 'WORKERS', 'RUNNING', 'WAITING', 'ESTIMATE', 'STOLEN', 'COMPLETED', 'FAILED', 'ID'],
  ]
  for (const node of status.nodes) {
    rows.push([
      node.name,
      node.state + (node.drained && node.state === 'offline' ? ' (drained)' : ''),
      node.host,
      String(node.workers),
      String(node.running),
      String(node.waiting),
      node.assigned > 0 ? formatEstimate(node.estimateMs) : '-',
      String(node.stolen),
      String(node.completed),
      String(node.failed),
      node.id,
    ])
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  const table = rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
  return `${table}\n\n${formatQueue(status)}`
}

/** The manager's estimate of when a node's tasks are done: `850ms`, `12.5s`. */
function formatEstimate(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`
}

function formatQueue(status: ClusterStatus): string {
  const limit = status.queueLimit === null ? 'unbounded' : String(status.queueLimit)
  return `queued ${status.queued} (limit ${limit}), running ${status.running}, clients ${status.clients}, completed ${status.completed}, failed ${status.failed}, rejected ${status.rejected}${status.paused ? '\nDISPATCH PAUSED: tasks queue until `argon resume`' : ''}`
}

function formatNode(node: NodeStatus): string {
  return `${node.name}: ${node.state}${node.drained ? ' (out of rotation)' : ''}, ${node.assigned} running`
}

function controlOptions(command: Command): Command {
  command.option('--manager <host:port>', 'manager address', address, '127.0.0.1:8000')
  addTokenOptions(command, 'the local token file')
  return addTrustOptions(command)
}

async function run(action: () => Promise<void>): Promise<void> {
  try {
    await action()
  } catch (error) {
    const code = error instanceof ArgonError ? error.code : 'ERROR'
    console.error(`argon: ${code}: ${(error as Error).message}`)
    process.exitCode = exitCodeOf(error)
  }
}

/** `argon nodes`: every node and the queue. */
export function nodesCommand(): Command {
  return controlOptions(
    new Command('nodes').description(
      'Show every node (name, state, host, workers, tasks running and waiting there, the estimate of when they are done, tasks stolen from it, completed, failed, id) and the queue.',
    ),
  )
    .option('--json', 'print the status as JSON')
    .action((flags: ControlFlags, command: Command) =>
      run(async () => {
        const status = await withControl(command, async (socket) =>
          valueOfReply(clusterStatusSchema, await socket.timeout(5000).emitWithAck('cluster:status')),
        )
        console.log(flags.json ? JSON.stringify(status, null, 2) : formatStatus(status, flags.manager))
      }),
    )
}

/** `argon drain NAME` / `argon resume NAME`. */
export function rotationCommand(kind: 'drain' | 'resume'): Command {
  const description =
    kind === 'drain'
      ? 'Take a node out of rotation: it gets no new tasks; running ones finish. Kept by name while the manager runs.'
      : 'Put a drained node back in rotation; without a name, resume dispatch after `argon pause`.'
  return controlOptions(
    new Command(kind).description(description).argument(kind === 'drain' ? '<name>' : '[name]', 'node name'),
  )
    .option('--json', 'print the node status as JSON')
    .action((name: string | undefined, flags: ControlFlags, command: Command) =>
      run(async () => {
        if (name === undefined) {
          const status = await withControl(command, async (socket) =>
            valueOfReply(clusterStatusSchema, await socket.timeout(5000).emitWithAck('cluster:resume')),
          )
          console.log(
            flags.json ? JSON.stringify(status, null, 2) : `dispatch resumed; ${status.queued} task(s) waiting`,
          )
          return
        }
        const node = await withControl(command, async (socket) =>
          valueOfReply(
            nodeStatusSchema,
            await socket.timeout(5000).emitWithAck(kind === 'drain' ? 'node:drain' : 'node:resume', { name }),
          ),
        )
        console.log(flags.json ? JSON.stringify(node, null, 2) : formatNode(node))
      }),
    )
}

/** `argon pause`: stop dispatching for the whole cluster (tasks queue; `argon resume` resumes). */
export function pauseCommand(): Command {
  return controlOptions(
    new Command('pause').description(
      'Pause dispatch for the whole cluster: new tasks queue (within --queue-size), running ones finish, nothing is lost. `argon resume` (no name) resumes.',
    ),
  )
    .option('--json', 'print the cluster status as JSON')
    .action((flags: ControlFlags, command: Command) =>
      run(async () => {
        const status = await withControl(command, async (socket) =>
          valueOfReply(clusterStatusSchema, await socket.timeout(5000).emitWithAck('cluster:pause')),
        )
        console.log(
          flags.json
            ? JSON.stringify(status, null, 2)
            : `dispatch paused; ${status.queued} task(s) waiting, ${status.running} running`,
        )
      }),
    )
}

/** `argon scale NAME --workers N`: resize a node's pool at runtime. */
export function scaleCommand(): Command {
  return controlOptions(
    new Command('scale')
      .description(
        "Resize a connected node's pool of worker processes at runtime: new ones start at once; surplus ones finish their tasks, then exit.",
      )
      .argument('<name>', 'node name'),
  )
    .requiredOption('--workers <n>', 'worker processes the node runs from now on', positiveInteger)
    .option('--json', 'print the node status as JSON')
    .action((name: string, flags: ControlFlags & { workers: number }, command: Command) =>
      run(async () => {
        const node = await withControl(command, async (socket) =>
          valueOfReply(
            nodeStatusSchema,
            await socket.timeout(5000).emitWithAck('node:scale', { name, workers: flags.workers }),
          ),
        )
        console.log(
          flags.json
            ? JSON.stringify(node, null, 2)
            : `${node.name}: ${node.workers} worker${node.workers === 1 ? '' : 's'}`,
        )
      }),
    )
}

/** `argon dismiss NAME`: forget an offline node. */
export function dismissCommand(): Command {
  return controlOptions(
    new Command('dismiss')
      .description(
        'Forget an offline node: its card leaves the dashboard and its rotation choice is dropped. A connected node cannot be dismissed (NOT_FOUND).',
      )
      .argument('<name>', 'node name'),
  ).action((name: string, _flags: ControlFlags, command: Command) =>
    run(async () => {
      await withControl(command, async (socket) =>
        valueOfReply(z.null(), await socket.timeout(5000).emitWithAck('node:dismiss', { name })),
      )
      console.log(`${name}: dismissed`)
    }),
  )
}

interface TasksFlags extends ControlFlags {
  failed?: boolean
  status?: string[]
  node?: string
  function?: string
  id?: string
  since?: number
  limit: number
  all?: boolean
  output?: boolean
}

/** The task table of `argon tasks`. */
export function formatTasks(tasks: readonly TaskRecord[]): string {
  if (tasks.length === 0) return 'no task matches'
  const rows = [['FINISHED', 'ID', 'STATUS', 'NODE', 'DURATION', 'FUNCTION', 'ERROR']]
  for (const task of tasks) {
    const error = task.error ? `${task.error.code}: ${task.error.message.replace(/\s+/g, ' ')}` : ''
    rows.push([
      new Date(task.finishedAt).toISOString().replace('T', ' ').slice(0, 23),
      task.id,
      task.status + (task.attempts > 1 ? ` x${task.attempts}` : ''),
      task.node ?? '-',
      task.durationMs < 1000 ? `${task.durationMs.toFixed(1)} ms` : `${(task.durationMs / 1000).toFixed(2)} s`,
      task.label.length > 40 ? `${task.label.slice(0, 39)}…` : task.label,
      error.length > 80 ? `${error.slice(0, 79)}…` : error,
    ])
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** `argon tasks`: search the manager's task history. */
export function tasksCommand(): Command {
  return controlOptions(
    new Command('tasks').description(
      'Search the task history the manager keeps (recent tasks, and failures in a longer store of their own), newest first.',
    ),
  )
    .option('--failed', 'only tasks that did not succeed')
    .addOption(new Option('--status <status...>', 'only these outcomes').choices([...TASK_RECORD_STATUSES]))
    .option('--node <name>', 'only tasks that ran on this node')
    .option('--function <text>', 'only functions whose source (or module#export) contains this text')
    .option('--id <prefix>', 'only task ids starting with this')
    .option('--since <duration>', 'only tasks finished in the last DURATION (e.g. 90s, 15m, 2h)', duration)
    .option('--limit <n>', 'most tasks to print', positiveInteger, 50)
    .option('--all', 'page through every matching task instead of stopping at --limit')
    .option(
      '--output',
      'include what each task wrote to stdout/stderr (printed under the table; in --json as `output`)',
    )
    .option('--json', 'print the tasks as JSON')
    .addHelpText(
      'after',
      `
Examples:
  argon tasks --failed                   # the most recent failures, with their errors
  argon tasks --node gpu-1 --since 10m
  argon tasks --id 3f2a --json
  argon tasks --id 3f2a --output         # with what the task printed`,
    )
    .action((flags: TasksFlags, command: Command) =>
      run(async () => {
        const query: TaskQuery = {
          ...(flags.failed ? { failed: true } : {}),
          ...(flags.status ? { status: flags.status as TaskQuery['status'] } : {}),
          ...(flags.node ? { node: flags.node } : {}),
          ...(flags.function ? { fn: flags.function } : {}),
          ...(flags.id ? { idPrefix: flags.id } : {}),
          ...(flags.since !== undefined ? { since: Date.now() - flags.since } : {}),
          ...(flags.output ? { output: true } : {}),
        }
        const tasks = await withControl(command, async (socket) => {
          const found: TaskRecord[] = []
          let before: number | undefined
          do {
            const pageSize = flags.all ? 1000 : Math.min(1000, flags.limit - found.length)
            const page = valueOfReply(
              taskPageSchema,
              await socket.timeout(15_000).emitWithAck('tasks:query', { ...query, before, limit: pageSize }),
            )
            found.push(...page.tasks)
            before = page.next ?? undefined
          } while (before !== undefined && (flags.all || found.length < flags.limit))
          return found
        })
        if (flags.json) return console.log(JSON.stringify(tasks, null, 2))
        console.log(formatTasks(tasks))
        for (const task of tasks) {
          if (task.output === undefined) continue
          console.log(`\n--- output of ${task.id} (${task.node ?? '?'}) ---`)
          process.stdout.write(task.output.endsWith('\n') ? task.output : `${task.output}\n`)
        }
      }),
    )
}

/** `3.2s`, `4m 10s`, `2h 5m`: a duration for people. */
function formatEta(ms: number): string {
  const seconds = Math.round(ms / 1000)
  if (seconds < 60) return `${Math.max(0, ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`
}

/** The job table of `argon jobs`. */
export function formatJobs(jobs: readonly JobStatus[]): string {
  if (jobs.length === 0) return 'no jobs (a client starts one with client.map or client.job(name))'
  const rows = [['ID', 'NAME', 'STATE', 'PROGRESS', 'DONE', 'FAILED', 'RUNNING', 'TOTAL', 'RATE', 'ETA', 'CLIENT']]
  for (const job of jobs) {
    const settled = job.done + job.failed
    const percent = job.total > 0 ? `${Math.floor((settled * 100) / job.total)}%` : '-'
    rows.push([
      String(job.id),
      job.name.length > 40 ? `${job.name.slice(0, 39)}…` : job.name,
      job.state + (job.state === 'running' && !job.clientConnected ? ' (client away)' : ''),
      percent,
      String(job.done),
      String(job.failed),
      String(job.inFlight),
      String(job.total),
      `${job.rate.toFixed(job.rate < 10 ? 1 : 0)}/s`,
      job.etaMs === null ? '-' : formatEta(job.etaMs),
      job.client,
    ])
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** `argon jobs` and `argon jobs cancel ID`. */
export function jobsCommand(): Command {
  const jobs = controlOptions(
    new Command('jobs').description(
      'List the jobs clients run (client.map, client.job(name)): progress, rate and ETA; running jobs first, then recently finished ones.',
    ),
  )
    .option('--json', 'print the jobs as JSON')
    // `argon jobs cancel 3 --manager …`: options after `cancel` are the subcommand's own.
    .enablePositionalOptions()
    .addHelpText(
      'after',
      `
Examples:
  argon jobs                  # ID, name, state, progress, done, failed, running, total, rate, ETA, client
  argon jobs cancel 3         # cancel job 3: its queued and running tasks are cancelled`,
    )
    .action((flags: ControlFlags, command: Command) =>
      run(async () => {
        const list = await withControl(command, async (socket) =>
          valueOfReply(z.array(jobStatusSchema), await socket.timeout(5000).emitWithAck('jobs:list')),
        )
        console.log(flags.json ? JSON.stringify(list, null, 2) : formatJobs(list))
      }),
    )
  jobs.addCommand(
    controlOptions(
      new Command('cancel')
        .description(
          'Cancel a running job: its queued and running tasks are cancelled (their calls reject with CANCELLED) and its client starts none of its tasks more. A finished job stays as it is; an unknown id exits with 3 (NOT_FOUND).',
        )
        .argument('<id>', 'job id (the ID column of `argon jobs`)', positiveInteger),
    )
      .option('--json', 'print the job as JSON')
      .action((id: number, flags: ControlFlags, command: Command) =>
        run(async () => {
          const job = await withControl(command, async (socket) =>
            valueOfReply(jobStatusSchema, await socket.timeout(5000).emitWithAck('job:cancel', { id })),
          )
          if (flags.json) console.log(JSON.stringify(job, null, 2))
          else if (job.state === 'cancelled')
            console.log(
              `job ${job.id} (${job.name}): cancelled; ${job.done} done, ${job.failed} failed of ${job.total}`,
            )
          else console.log(`job ${job.id} (${job.name}) had already finished: ${job.state}`)
        }),
      ),
  )
  return jobs
}
