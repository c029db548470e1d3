import { readFileSync } from 'node:fs'
import { Command, Option } from 'commander'
import { addTokenOptions, tokenFromFlags } from '../cli-options/connection-options.js'
import { byteSize, nonNegativeInteger, port, positiveInteger, seconds } from '../cli-options/option-parsers.js'
import { DEFAULT_MAX_PAYLOAD_BYTES, formatHost, isLoopbackHost } from '../protocol/index.js'
import { logOptions } from '../cli-options/log-options.js'
import { DEFAULT_NODE_TIMEOUT_MS, createManager, type Manager } from '../manager/create-manager.js'
import { createLogger, type LogFormat } from '../manager/logger.js'
import { describeListenError } from '../manager/listen-error.js'
import { packageVersion } from '../manager/package-info.js'
import { strategies } from '../manager/scheduling/index.js'

interface ManagerFlags {
  host: string
  port: number
  queueSize?: number
  maxAttempts: number
  maxPayload: number
  strategy: string
  dashboard: boolean
  taskHistory: number
  failureHistory: number
  nodeTimeout: number
  quiet?: boolean
  logFormat?: LogFormat
  tls?: boolean
  tlsCert?: string
  tlsKey?: string
}

/** `argon manager`: the headless manager. */
export function managerCommand(): Command {
  const command = logOptions(new Command('manager'))
    .description('Run the manager: clients send it tasks, it routes them to node-agents and answers.')
    .option('--host <host>', 'interface to listen on', '0.0.0.0')
    .option('--port <port>', 'port to listen on (0 picks a free one)', port, 8000)
    .option(
      '--queue-size <n>',
      'most waiting tasks; beyond it submissions are rejected with QUEUE_FULL (default: unbounded)',
      nonNegativeInteger,
    )
    .option(
      '--max-attempts <n>',
      'runs a task may have before a lost worker fails it with WORKER_LOST',
      positiveInteger,
      3,
    )
    .addOption(
      new Option('--max-payload <size>', 'largest argument list of one task (e.g. 512k, 16m)')
        .argParser(byteSize)
        .default(DEFAULT_MAX_PAYLOAD_BYTES, '16m'),
    )
    .addOption(
      new Option('--strategy <name>', 'scheduling strategy')
        .choices(Object.keys(strategies))
        .default('least-completion-time'),
    )
    .option('--no-dashboard', 'do not serve the dashboard at /')
    .option(
      '--node-timeout <seconds>',
      'a node silent this long (no heartbeat, no answer) is lost: its tasks run elsewhere',
      seconds,
      DEFAULT_NODE_TIMEOUT_MS / 1000,
    )
    .option(
      '--task-history <n>',
      'recent tasks (any outcome) kept for `argon tasks` and the dashboard',
      positiveInteger,
      10_000,
    )
    .option(
      '--failure-history <n>',
      'failed tasks kept in a store of their own, however many succeed after them',
      positiveInteger,
      2_000,
    )
    .option('--tls', 'serve HTTPS/WSS only (default: on when --host is beyond loopback)')
    .option('--no-tls', 'serve plain HTTP/WS even beyond loopback (the token then crosses the network in clear)')
    .option(
      '--tls-cert <file>',
      'TLS certificate to serve (PEM; default: a self-signed one generated once in $ARGON_HOME/tls)',
    )
    .option('--tls-key <file>', 'private key of --tls-cert (PEM)')
  addTokenOptions(command, 'the token file, created if absent')
  return command
    .addHelpText(
      'after',
      `
The token file is $ARGON_HOME/token (default ~/.config/argon/token, mode 0600). Local agents,
clients and commands read it, so on one machine nothing needs typing.

TLS is on by default when the manager listens beyond loopback. Without --tls-cert it serves a
self-signed certificate generated once and kept in $ARGON_HOME/tls; agents and clients pin its
fingerprint (printed at start, and in the join command). Local programs find it in $ARGON_HOME.

Example:
  argon manager --port 8000 --queue-size 10000
  ARGON_TOKEN=<token> node-agent --join mgrhost:8000 --fingerprint sha256:<fingerprint>`,
    )
    .action(async (flags: ManagerFlags, self: Command) => {
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
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined))
        self.error('error: --tls-cert and --tls-key go together')
      if (flags.tlsCert !== undefined && flags.tls === false) self.error('error: --tls-cert cannot go with --no-tls')
      let token: string | undefined
      let tlsFiles: { cert: Buffer; key: Buffer } | undefined
      try {
        token = tokenFromFlags(self)
        if (flags.tlsCert !== undefined && flags.tlsKey !== undefined)
          tlsFiles = { cert: readFileSync(flags.tlsCert), key: readFileSync(flags.tlsKey) }
      } catch (error) {
        self.error(`error: ${(error as Error).message}`)
      }
      const logger = createLogger('argon-manager', { format: flags.logFormat, quiet: flags.quiet })
      try {
        manager = await createManager({
          host: flags.host,
          port: flags.port,
          token,
          tls: flags.tls,
          tlsCert: tlsFiles?.cert,
          tlsKey: tlsFiles?.key,
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
      const shown = formatHost(flags.host)
      console.log(
        `Argon manager ${packageVersion()} listening on ${manager.tls ? 'https' : 'http'}://${shown}:${manager.port}`,
      )
      // Also under --quiet: agents on other machines need it to join.
      if (manager.fingerprint) console.log(`TLS certificate fingerprint: ${manager.fingerprint}`)
      else if (flags.tls === false && !isLoopbackHost(flags.host))
        console.log('Warning: TLS is off (--no-tls): the token and every task cross the network in clear')
      if (flags.quiet) return
      console.log(
        `Queue: ${flags.queueSize === undefined ? 'unbounded' : `at most ${flags.queueSize} waiting`}; max attempts: ${flags.maxAttempts}`,
      )
      if (flags.dashboard) console.log(`Dashboard: ${manager.dashboardUrl}`)
      console.log('Join an agent to this manager with (the token goes in the environment, not on the command line):')
      for (const command of manager.joinCommands) console.log(`  ${command}`)
    })
}
