#!/usr/bin/env node
import { Command, Option } from 'commander'
import { availableParallelism, hostname } from 'node:os'
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { address, nonNegativeInteger, port, positiveInteger } from '../cli/option-parsers.js'
import { parseAddress, resolveToken } from '../protocol/index.js'
import { startNodeAgent, type NodeAgent } from './node-agent.js'

interface AgentFlags {
  join?: string
  manager?: string
  port?: number
  host: string
  token?: string
  workers: number
  name: string
  maxRequests: number
  grace: number
  queueSize?: number
}

/**
 * `node-agent` (also `argon worker`): a headless worker node.
 */
export function nodeAgentCommand(name = 'node-agent'): Command {
  return new Command(name)
    .description('Run a worker node: a pool of child processes that runs tasks for a manager, or for clients directly (stand-alone).')
    .option('--join <host:port>', 'manager to join', address)
    .option('--manager <host:port>', 'alias of --join', address)
    .option('--port <port>', 'stand-alone: serve clients on this port (0 picks a free one)', port)
    .option('--host <host>', 'stand-alone: interface to listen on', '0.0.0.0')
    .addOption(new Option('--token <token>', 'shared secret (default: $ARGON_TOKEN, else the local token file)').env('ARGON_TOKEN'))
    .option('--workers <n>', 'child processes', positiveInteger, availableParallelism())
    .option('--name <name>', 'node name shown to operators; rotation is kept by name. A name a connected node holds is refused (NAME_IN_USE); without --name the host name is used, numbered when taken (host-2)', hostname())
    .option('--max-requests <n>', 'recycle a child process after this many tasks (0 = never)', nonNegativeInteger, 0)
    .option('--grace <seconds>', 'on SIGTERM/SIGINT, how long running tasks may take to finish', nonNegativeInteger, 30)
    .option('--queue-size <n>', 'stand-alone: most waiting tasks (default: unbounded)', nonNegativeInteger)
    .addHelpText(
      'after',
      `
Examples:
  node-agent --join mgrhost:8000 --token <token> --workers 8
  node-agent --port 8001                     # stand-alone: clients connect here directly`,
    )
    .action(async (flags: AgentFlags, command: Command) => {
      const joinText = flags.join ?? flags.manager
      if (joinText === undefined && flags.port === undefined) command.error('error: give --join HOST:PORT to join a manager, or --port PORT to run stand-alone')
      const log = (message: string) => console.log(`[node-agent ${flags.name}] ${message}`)
      if (joinText !== undefined && flags.port !== undefined) log('--port is only used stand-alone; joining the manager instead')
      const token = resolveToken(flags.token)
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
          join: joinText !== undefined ? parseAddress(joinText) : undefined,
          standalone: joinText === undefined ? { host: flags.host, port: flags.port!, queueSize: flags.queueSize ?? null } : undefined,
          token,
          workers: flags.workers,
          name: flags.name,
          nameChosen: command.getOptionValueSource('name') !== 'default',
          maxRequests: flags.maxRequests,
          log,
          onFatal: (code, message) => {
            console.error(`node-agent: the manager refused this agent: ${code}: ${message}`)
            if (code === 'NAME_IN_USE') console.error('node-agent: (if that node has just stopped, the manager frees its name once it notices, within a minute)')
            process.exit(2)
          },
        })
      } catch (error) {
        console.error(`node-agent: ${(error as Error).message}`)
        process.exit(2)
      }
      if (stopping) {
        await agent.stop(0)
        process.exit(0)
      }
      if (agent.port !== undefined) {
        const shown = flags.host.includes(':') ? `[${flags.host}]` : flags.host
        log(`stand-alone with ${flags.workers} workers, listening on http://${shown}:${agent.port}`)
      } else {
        log(`${flags.workers} workers; joining ${joinText}`)
      }
    })
}

function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isMain()) {
  nodeAgentCommand().parseAsync(process.argv).catch((error: unknown) => {
    console.error(`node-agent: ${(error as Error).message}`)
    process.exit(1)
  })
}
