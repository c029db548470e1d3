import { Command, Option } from 'commander'
import { z } from 'zod'
import {
  clusterStatusSchema,
  nodeStatusSchema,
  taskPageSchema,
  jobStatusSchema,
  valueOfReply,
  type TaskQuery,
  type TaskRecord,
  TASK_RECORD_STATUSES,
} from '../protocol/index.js'
import { addTokenOptions, addTrustOptions } from '../cli-options/connection-options.js'
import { CONTROL_REPLY_MS, runCommand, runControlCommand, withControl, type ControlFlags } from './control-request.js'
import { formatJobs, formatNode, formatStatus, formatTasks } from './control-tables.js'
import { address, duration, positiveInteger } from '../cli-options/option-parsers.js'

function controlOptions(command: Command): Command {
  command.option('--manager <host:port>', 'manager address', address, '127.0.0.1:8000')
  addTokenOptions(command, 'the local token file')
  return addTrustOptions(command)
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
      runControlCommand(
        command,
        clusterStatusSchema,
        (socket) => socket.timeout(CONTROL_REPLY_MS).emitWithAck('cluster:status'),
        (status) => formatStatus(status, flags.manager),
      ),
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
    .action((name: string | undefined, _flags: ControlFlags, command: Command) =>
      name === undefined
        ? runControlCommand(
            command,
            clusterStatusSchema,
            (socket) => socket.timeout(CONTROL_REPLY_MS).emitWithAck('cluster:resume'),
            (status) => `dispatch resumed; ${status.queued} task(s) waiting`,
          )
        : runControlCommand(
            command,
            nodeStatusSchema,
            (socket) =>
              socket.timeout(CONTROL_REPLY_MS).emitWithAck(kind === 'drain' ? 'node:drain' : 'node:resume', { name }),
            formatNode,
          ),
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
    .action((_flags: ControlFlags, command: Command) =>
      runControlCommand(
        command,
        clusterStatusSchema,
        (socket) => socket.timeout(CONTROL_REPLY_MS).emitWithAck('cluster:pause'),
        (status) => `dispatch paused; ${status.queued} task(s) waiting, ${status.running} running`,
      ),
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
      runControlCommand(
        command,
        nodeStatusSchema,
        (socket) => socket.timeout(CONTROL_REPLY_MS).emitWithAck('node:scale', { name, workers: flags.workers }),
        (node) => `${node.name}: ${node.workers} worker${node.workers === 1 ? '' : 's'}`,
      ),
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
    runControlCommand(
      command,
      z.null(),
      (socket) => socket.timeout(CONTROL_REPLY_MS).emitWithAck('node:dismiss', { name }),
      () => `${name}: dismissed`,
    ),
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
      runCommand(async () => {
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
    .action((_flags: ControlFlags, command: Command) =>
      runControlCommand(
        command,
        z.array(jobStatusSchema),
        (socket) => socket.timeout(CONTROL_REPLY_MS).emitWithAck('jobs:list'),
        formatJobs,
      ),
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
      .action((id: number, _flags: ControlFlags, command: Command) =>
        runControlCommand(
          command,
          jobStatusSchema,
          (socket) => socket.timeout(CONTROL_REPLY_MS).emitWithAck('job:cancel', { id }),
          (job) =>
            job.state === 'cancelled'
              ? `job ${job.id} (${job.name}): cancelled; ${job.done} done, ${job.failed} failed of ${job.total}`
              : `job ${job.id} (${job.name}) had already finished: ${job.state}`,
        ),
      ),
  )
  return jobs
}
