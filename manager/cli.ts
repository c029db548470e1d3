import { Command, Option } from 'commander'
import { byteSize, nonNegativeInteger, port, positiveInteger, seconds } from '../cli/option-parsers.js'
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../protocol/index.js'
import { logOptions } from '../cli/log-options.js'
import { DEFAULT_NODE_TIMEOUT_MS, createManager, type Manager } from './create-manager.js'
import { createLogger, type LogFormat } from './logger.js'
import { describeListenError } from './listen-error.js'
import { packageVersion } from './package-info.js'
import { strategies } from './scheduling/index.js'

interface ManagerFlags {
  host: string
  port: number
  queueSize?: number
  token?: string
  maxAttempts: number
  maxPayload: number
  strategy: string
  dashboard: boolean
  taskHistory: number
  failureHistory: number
  nodeTimeout: number
  quiet?: boolean
  logFormat?: LogFormat
}

/** `argon manager`: the headless manager. */
export function managerCommand(): Command {
  return logOptions(new Command('manager'))
    .description('Run the manager: clients send it tasks, it routes them to node-agents and answers.')
    .option('--host <host>', 'interface to listen on', '0.0.0.0')
    .option('--port <port>', 'port to listen on (0 picks a free one)', port, 8000)
    .option('--queue-size <n>', 'most waiting tasks; beyond it submissions are rejected with QUEUE_FULL (default: unbounded)', nonNegativeInteger)
    .addOption(new Option('--token <token>', 'shared secret (default: $ARGON_TOKEN, else the token file, created if absent)').env('ARGON_TOKEN'))
    .option('--max-attempts <n>', 'runs a task may have before a lost worker fails it with WORKER_LOST', positiveInteger, 3)
    .addOption(new Option('--max-payload <size>', 'largest argument list of one task (e.g. 512k, 16m)').argParser(byteSize).default(DEFAULT_MAX_PAYLOAD_BYTES, '16m'))
    .addOption(new Option('--strategy <name>', 'scheduling strategy').choices(Object.keys(strategies)).default('least-completion-time'))
    .option('--no-dashboard', 'do not serve the dashboard at /')
    .option('--node-timeout <seconds>', 'a node silent this long (no heartbeat, no answer) is lost: its tasks run elsewhere', seconds, DEFAULT_NODE_TIMEOUT_MS / 1000)
    .option('--task-history <n>', 'recent tasks (any outcome) kept for `argon tasks` and the dashboard', positiveInteger, 10_000)
    .option('--failure-history <n>', 'failed tasks kept in a store of their own, however many succeed after them', positiveInteger, 2_000)
    .addHelpText(
      'after',
      `
The token file is $ARGON_HOME/token (default ~/.config/argon/token, mode 0600). Local agents,
clients and commands read it, so on one machine nothing needs typing.

Example:
  argon manager --port 8000 --queue-size 10000
  node-agent --join mgrhost:8000 --token <token>`,
    )
    .action(async (flags: ManagerFlags) => {
      // Signals are handled from the first moment, so a stop during start-up is clean too.
      let manager: Manager | undefined
      let stopping = false
      const stop = (signal: string) => {
        if (stopping) process.exit(1)
        stopping = true
        if (!manager) process.exit(0)
        console.log(`${signal}: stopping the manager`)
        manager.close().then(
          () => process.exit(0),
          () => process.exit(1),
        )
      }
      process.on('SIGINT', () => stop('SIGINT'))
      process.on('SIGTERM', () => stop('SIGTERM'))
      const logger = createLogger('argon-manager', { format: flags.logFormat, quiet: flags.quiet })
      try {
        manager = await createManager({
          host: flags.host,
          port: flags.port,
          token: flags.token,
          queueSize: flags.queueSize ?? null,
          maxAttempts: flags.maxAttempts,
          maxPayloadBytes: flags.maxPayload,
          strategy: flags.strategy,
          dashboard: flags.dashboard,
          taskHistory: { recentCount: flags.taskHistory, failureCount: flags.failureHistory },
          nodeTimeoutMs: flags.nodeTimeout * 1000,
          logger,
        })
      } catch (error) {
        console.error(`argon manager: ${describeListenError(error, flags.host, flags.port, 'manager')}`)
        process.exit(1)
      }
      if (stopping) return void manager.close().then(() => process.exit(0))
      const shown = flags.host.includes(':') ? `[${flags.host}]` : flags.host
      console.log(`Argon manager ${packageVersion()} listening on http://${shown}:${manager.port}`)
      if (flags.quiet) return
      console.log(`Queue: ${flags.queueSize === undefined ? 'unbounded' : `at most ${flags.queueSize} waiting`}; max attempts: ${flags.maxAttempts}`)
      if (flags.dashboard) console.log(`Dashboard: ${manager.dashboardUrl}`)
      console.log('Join an agent to this manager with:')
      for (const command of manager.joinCommands) console.log(`  ${command}`)
    })
}
