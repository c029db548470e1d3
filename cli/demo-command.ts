import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { Client } from '../client/index.js'
import { createManager, type Manager } from '../manager/index.js'
import { describeListenError } from '../manager/listen-error.js'
import { silentLogger } from '../manager/logger.js'
import { port, positiveInteger } from '../cli-options/option-parsers.js'

interface DemoFlags {
  port: number
  tasks: number
  once?: boolean
}

const NODE_AGENT = fileURLToPath(new URL('../node-agent/cli.js', import.meta.url))
const AGENT_NAMES = ['demo-1', 'demo-2']

/**
 * `argon demo`: the five-minute tour. A manager and two local agents on this machine, a small
 * workload with a progress bar, the dashboard URL, and how to stop.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'Start a manager and two local agents, run a small workload with a progress bar, and print the dashboard URL.',
    )
    .option('--port <port>', 'manager port (0 picks a free one)', port, 0)
    .option('--tasks <n>', 'tasks in the workload', positiveInteger, 200)
    .option('--once', 'stop everything when the workload is done (default: keep running until Ctrl-C)')
    .action(async (flags: DemoFlags) => {
      const agents: ChildProcess[] = []
      let manager: Manager | undefined
      let client: Client | undefined
      let stopping: Promise<void> | undefined
      const stop = (why: string) => {
        stopping ??= (async () => {
          console.log(`\n${why}: stopping the agents and the manager`)
          await client?.close().catch(() => undefined)
          await Promise.all(agents.map((agent) => stopAgent(agent)))
          await manager?.close()
        })()
        return stopping
      }
      process.on('SIGINT', () => void stop('SIGINT').then(() => process.exit(0)))
      process.on('SIGTERM', () => void stop('SIGTERM').then(() => process.exit(0)))

      try {
        manager = await createManager({ host: '127.0.0.1', port: flags.port, logger: silentLogger() })
      } catch (error) {
        console.error(`argon demo: ${describeListenError(error, '127.0.0.1', flags.port, 'manager')}`)
        process.exit(1)
      }
      const address = `127.0.0.1:${manager.port}`
      console.log(`Manager listening on http://${address}`)

      const joined = new Promise<void>((resolve) => {
        let count = 0
        manager.on('event', (event) => {
          if (event.kind === 'node-joined' && ++count === AGENT_NAMES.length) resolve()
        })
      })
      for (const name of AGENT_NAMES) {
        const agent = spawn(
          process.execPath,
          [NODE_AGENT, '--join', address, '--token', manager.token, '--name', name, '--workers', '1', '--quiet'],
          {
            stdio: ['ignore', 'inherit', 'inherit'],
          },
        )
        agents.push(agent)
        console.log(`Agent ${name} started (pid ${agent.pid}), 1 worker`)
      }
      await joined
      console.log(`Both agents joined.\n`)
      console.log(`Dashboard: ${manager.dashboardUrl}`)
      console.log(`Nodes:     argon nodes --manager ${address}`)
      console.log(
        flags.once
          ? 'Stops by itself when the workload is done (--once); Ctrl-C stops it sooner.\n'
          : 'Stop with Ctrl-C: it stops both agents and the manager.\n',
      )

      client = new Client({ host: '127.0.0.1', port: manager.port, token: manager.token })
      const inputs = Array.from({ length: flags.tasks }, (_, index) => [20 + (index % 6)] as [number])
      const bar = progressBar(flags.tasks)
      const started = performance.now()
      // An inner function travels with its task; the workers never see this file.
      const results = await client.map(
        (n: number) => {
          const fib = (k: number): number => (k < 2 ? k : fib(k - 1) + fib(k - 2))
          return { n, value: fib(n), node: process.env.ARGON_NODE_NAME }
        },
        inputs,
        { concurrency: 50, onProgress: (done) => bar.update(done) },
      )
      bar.finish()
      const perNode = new Map<string, number>()
      for (const result of results) perNode.set(result.node ?? '?', (perNode.get(result.node ?? '?') ?? 0) + 1)
      const seconds = (performance.now() - started) / 1000
      console.log(
        `Ran ${results.length} tasks in ${seconds.toFixed(1)} s: ${[...perNode].map(([node, count]) => `${count} on ${node}`).join(', ')}`,
      )

      if (flags.once) {
        await stop('done (--once)')
        process.exit(0)
      }
      console.log(
        `\nThe cluster keeps running: open the dashboard, try the examples (ARGON_MANAGER=${address} npx tsx examples/client.ts), or press Ctrl-C to stop.`,
      )
    })
}

async function stopAgent(agent: ChildProcess): Promise<void> {
  if (agent.exitCode !== null || agent.signalCode !== null) return
  const exited = once(agent, 'exit')
  agent.kill('SIGTERM')
  const timer = setTimeout(() => agent.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

/** A bar redrawn in place on a terminal; a line per 10 % elsewhere (logs, CI). */
function progressBar(total: number): { update(done: number): void; finish(): void } {
  const width = 30
  const tty = Boolean(process.stdout.isTTY)
  let lastTenth = -1
  const draw = (done: number) => {
    const filled = Math.round((done / total) * width)
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} tasks`
  }
  return {
    update(done) {
      if (tty) {
        process.stdout.write(`\r${draw(done)}`)
        return
      }
      const tenth = Math.floor((done / total) * 10)
      if (tenth !== lastTenth) {
        lastTenth = tenth
        console.log(draw(done))
      }
    },
    finish() {
      if (tty) process.stdout.write('\n')
    },
  }
}
