#!/usr/bin/env node
import { Command } from 'commander'
import { availableParallelism, hostname } from 'node:os'
import { readFileSync, realpathSync } from 'node:fs'
import { addTokenOptions, addTrustOptions, tokenFromFlags, trustFromFlags } from '../cli-options/connection-options.js'
import { fileURLToPath } from 'node:url'
import { address, nodeName, nonNegativeInteger, port, positiveInteger } from '../cli-options/option-parsers.js'
import { logOptions } from '../cli-options/log-options.js'
import { describeListenError } from '../manager/listen-error.js'
import { createLogger, type LogFormat } from '../manager/logger.js'
import { packageVersion } from '../manager/package-info.js'
import {
  EXIT_REFUSED,
  exitCodeOf,
  formatHost,
  parseAddress,
  resolveToken,
  type TlsTrustOptions,
} from '../protocol/index.js'
import { startNodeAgent, type NodeAgent } from './node-agent.js'

interface AgentFlags {
  join?: string
  manager?: string
  port?: number
  host: string
  workers: number
  name: string
  maxRequests: number
  grace: number
  queueSize?: number
  quiet?: boolean
  logFormat?: LogFormat
  fingerprint?: string
  ca?: string
  tls?: boolean
  tlsCert?: string
  tlsKey?: string
}

/**
 * `node-agent` (also `argon worker`): a headless worker node.
 */
export function nodeAgentCommand(name = 'node-agent'): Command {
  const command = logOptions(new Command(name))
    .version(packageVersion())
    .description(
      'Run a worker node: a pool of child processes that runs tasks for a manager, or for clients directly (stand-alone).',
    )
    .option('--join <host:port>', 'manager to join', address)
    .option('--manager <host:port>', 'alias of --join', address)
    .option('--port <port>', 'stand-alone: serve clients on this port (0 picks a free one)', port)
    .option('--host <host>', 'stand-alone: interface to listen on', '0.0.0.0')
    .option('--workers <n>', 'child processes', positiveInteger, availableParallelism())
    .option(
      '--name <name>',
      'node name shown to operators (1 to 256 characters); rotation is kept by name. A name a connected node holds is refused (NAME_IN_USE); without --name the host name is used, numbered when taken (host-2)',
      nodeName,
      hostname(),
    )
    .option('--max-requests <n>', 'recycle a child process after this many tasks (0 = never)', nonNegativeInteger, 0)
    .option('--grace <seconds>', 'on SIGTERM/SIGINT, how long running tasks may take to finish', nonNegativeInteger, 30)
    .option('--queue-size <n>', 'stand-alone: most waiting tasks (default: unbounded)', nonNegativeInteger)
    .option(
      '--tls-cert <file>',
      'stand-alone: TLS certificate to serve (PEM; default: a self-signed one kept in $ARGON_HOME/tls)',
    )
    .option('--tls-key <file>', 'stand-alone: private key of --tls-cert (PEM)')
  addTokenOptions(command, 'the local token file')
  addTrustOptions(command)
  return command
    .addHelpText(
      'after',
      `
Joining, --fingerprint, --ca and --tls say how to trust the manager; a manager on this machine is
found (TLS and fingerprint) through $ARGON_HOME. Stand-alone, --tls/--no-tls say whether to serve
TLS (default: on beyond loopback), as for argon manager.

The agent's child processes do not inherit ARGON_TOKEN. What a task writes to stdout/stderr is
captured (up to 64 KiB per task) and sent to the task's client, which prints it with a
[node pid] prefix, and to the task's history record; output written between tasks is printed here.

Examples:
  ARGON_TOKEN=<token> node-agent --join mgrhost:8000 --fingerprint sha256:<fingerprint> --workers 8
  node-agent --join mgrhost:8000 --token-file /etc/argon/token --ca /etc/argon/ca.pem
  node-agent --port 8001                     # stand-alone: clients connect here directly`,
    )
    .action(async (flags: AgentFlags, command: Command) => {
      const joinText = flags.join ?? flags.manager
      if (joinText === undefined && flags.port === undefined)
        command.error('error: give --join HOST:PORT to join a manager, or --port PORT to run stand-alone')
      const logger = createLogger(`node-agent/${flags.name}`, { format: flags.logFormat, quiet: flags.quiet, fd: 1 })
      const log = (message: string) => logger.info(message)
      if (joinText !== undefined && flags.port !== undefined)
        log('--port is only used stand-alone; joining the manager instead')
      let token: string | undefined
      let trust: TlsTrustOptions = {}
      let tlsFiles: { cert: Buffer; key: Buffer } | undefined
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined))
        command.error('error: --tls-cert and --tls-key go together')
      try {
        token = resolveToken(tokenFromFlags(command))
        if (joinText !== undefined) trust = trustFromFlags(flags)
        if (flags.tlsCert !== undefined && flags.tlsKey !== undefined)
          tlsFiles = { cert: readFileSync(flags.tlsCert), key: readFileSync(flags.tlsKey) }
      } catch (error) {
        command.error(`error: ${(error as Error).message}`)
      }
      // Signals are handled from the first moment, so a stop during start-up is clean too.
      let agent: NodeAgent | undefined
      let stopping = false
      const stop = (signal: string) => {
        if (stopping) {
          agent?.destroy()
          process.exit(1)
        }
        stopping = true
        if (!agent) return // start-up finishes first, then stops (below)
        log(`${signal}: finishing running tasks (up to ${flags.grace} s), then exiting`)
        agent.stop(flags.grace * 1000).then(
          () => process.exit(0),
          () => process.exit(1),
        )
      }
      process.on('SIGINT', () => stop('SIGINT'))
      process.on('SIGTERM', () => stop('SIGTERM'))
      try {
        agent = await startNodeAgent({
          join: joinText !== undefined ? { ...parseAddress(joinText), trust } : undefined,
          standalone:
            joinText === undefined
              ? {
                  host: flags.host,
                  port: flags.port!,
                  queueSize: flags.queueSize ?? null,
                  tls: flags.tls,
                  tlsCert: tlsFiles?.cert,
                  tlsKey: tlsFiles?.key,
                }
              : undefined,
          token,
          workers: flags.workers,
          name: flags.name,
          nameChosen: command.getOptionValueSource('name') !== 'default',
          maxRequests: flags.maxRequests,
          log,
          logger: createLogger(`node-agent/${flags.name}`, { format: flags.logFormat, quiet: flags.quiet }),
          onFatal: (code, message) => {
            console.error(
              `node-agent: ${code === 'TLS_MISMATCH' ? `${code}: ${message}` : describeRefusal(code, message, joinText ?? '')}`,
            )
            if (code === 'NAME_IN_USE')
              console.error(
                'node-agent: (if that node has just stopped, the manager frees its name once it notices, within a minute)',
              )
            // Children that are still starting would report a closed channel: stop them first.
            agent?.destroy()
            process.exit(EXIT_REFUSED)
          },
        })
      } catch (error) {
        console.error(
          `node-agent: ${describeListenError(error, flags.host, flags.port ?? 0, 'stand-alone agent or manager')}`,
        )
        // As the manager does on a port it cannot take: a failure, not a refusal.
        process.exit(1)
      }
      if (stopping) {
        await agent.stop(0)
        process.exit(0)
      }
      if (agent.port !== undefined) {
        const shown = formatHost(flags.host)
        // A plain line, like the manager's, also under --quiet: it is how a script learns the port.
        console.log(
          `node-agent ${flags.name}: stand-alone with ${flags.workers} workers, listening on ${agent.fingerprint ? 'https' : 'http'}://${shown}:${agent.port}`,
        )
        if (agent.fingerprint)
          console.log(`node-agent ${flags.name}: TLS certificate fingerprint: ${agent.fingerprint}`)
      } else {
        log(`${flags.workers} workers; joining ${joinText}`)
      }
    })
}

/** What the manager's refusal means and what to do about it. */
function describeRefusal(code: string, message: string, manager: string): string {
  if (code === 'UNAUTHORIZED') {
    return `reached the manager at ${manager}; it refused the token (UNAUTHORIZED): pass the manager's token with --token or ARGON_TOKEN, or --token-file PATH (\`argon manager\` prints it in its join command)`
  }
  if (code === 'PROTOCOL_MISMATCH')
    return `reached the manager at ${manager}; it speaks another protocol version (PROTOCOL_MISMATCH): run the same Argon version on both (${message})`
  return `reached the manager at ${manager}; it refused this agent: ${code}: ${message}`
}

function isMain(): boolean {
  try {
    return (
      process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
    )
  } catch {
    return false
  }
}

if (isMain()) {
  nodeAgentCommand()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      console.error(`node-agent: ${(error as Error).message}`)
      process.exit(exitCodeOf(error))
    })
}
