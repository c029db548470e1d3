/**
 * The real programs on the test network's hosts: `argon manager` on `mgr`, agents started with
 * the manager's own printed join command, a user's client program on `client`. Every process is
 * tracked by the shared helpers and killed by pid when the test ends.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ClusterStatus } from '../../protocol/index.js'
import { ARGON_BIN, NODE_AGENT_BIN, ROOT, startCommand, tempHome, type RunningProcess } from '../helpers/processes.js'
import { onHost, type Host } from './network.js'

/** The manager listens on the same port on its own host; namespaces keep runs apart. */
export const MANAGER_PORT = 8000

const CLIENT_DRIVER = join(ROOT, 'tests/multihost/client-driver.ts')

let binDir: string | undefined
/** A directory with `node-agent` on it, as `npm install -g argon-cluster` would provide. */
function programsOnPath(): string {
  if (binDir) return binDir
  binDir = mkdtempSync(join(tmpdir(), 'argon-mh-bin-'))
  const wrapper = join(binDir, 'node-agent')
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${NODE_AGENT_BIN}" "$@"\n`)
  chmodSync(wrapper, 0o755)
  return binDir
}

/** Removes the PATH directory made for the agents. */
export function removeProgramsOnPath(): void {
  if (binDir) rmSync(binDir, { recursive: true, force: true })
  binDir = undefined
}

export interface HostManager extends RunningProcess {
  host: Host
  token: string
  /** The manager's certificate fingerprint (it listens beyond loopback, so it serves TLS). */
  fingerprint: string
  /** Every `ARGON_TOKEN=… node-agent --join …` command the manager printed, in order. */
  joinCommands: string[]
}

/** Starts `argon manager --port 8000` (all interfaces, token file in a fresh ARGON_HOME) on `host`. */
export async function startHostManager(host: Host, args: string[] = []): Promise<HostManager> {
  const { command, args: argv } = onHost(host, [
    process.execPath,
    ARGON_BIN,
    'manager',
    '--port',
    String(MANAGER_PORT),
    ...args,
  ])
  const proc = startCommand(command, argv, { env: { ARGON_HOME: tempHome() } })
  await proc.waitFor(
    /Join an agent to this manager with[^\n]*:\n(?: {2}ARGON_TOKEN=[^\n]*\n)*? {2}ARGON_TOKEN=\S+ node-agent --join 127\.0\.0\.1[^\n]*\n/,
  )
  const joinCommands = [
    ...proc.output().matchAll(/^ {2}(ARGON_TOKEN=\S+ node-agent --join \S+ --fingerprint sha256:[0-9a-f]{64})$/gm),
  ].map((match) => match[1]!)
  const token = joinCommands[0]?.match(/^ARGON_TOKEN=(\S+)/)?.[1]
  const fingerprint = joinCommands[0]?.match(/--fingerprint (\S+)/)?.[1]
  if (token === undefined || fingerprint === undefined)
    throw new Error(`the manager printed no join command:\n${proc.output()}`)
  return Object.assign(proc, { host, token, fingerprint, joinCommands })
}

/** Runs `commandLine` (as printed, through the shell) on `host`, e.g. the manager's join command. */
export function runOnHost(host: Host, commandLine: string, env: Record<string, string> = {}): RunningProcess {
  // `NAME=value … exec program …`: the shell's assignments reach the program's environment, as typed.
  const { command, args } = onHost(host, ['sh', '-c', commandLine.replace(/^((?:[A-Z_]+=\S+ )*)/, '$1exec ')])
  return startCommand(command, args, {
    env: { ARGON_HOME: tempHome(), PATH: `${programsOnPath()}:${process.env.PATH ?? ''}`, ...env },
  })
}

/** Runs the manager's first printed join command on each of `hosts` and waits until all have joined. */
export async function joinAgents(hosts: Host[], manager: HostManager): Promise<Map<string, RunningProcess>> {
  const agents = new Map(hosts.map((host) => [host.name, runOnHost(host, manager.joinCommands[0]!)] as const))
  await Promise.all([...agents.values()].map((agent) => agent.waitFor(/joined manager/, 30_000)))
  return agents
}

/** `argon <args>` on `host`, to completion. */
export async function argonOn(host: Host, args: string[]): Promise<{ code: number | null; output: string }> {
  const { command, args: argv } = onHost(host, [process.execPath, ARGON_BIN, ...args])
  const proc = startCommand(command, argv, { env: { ARGON_HOME: tempHome() } })
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000)
  const { code } = await proc.exited
  clearTimeout(timer)
  return { code, output: proc.output() }
}

/** The cluster as `argon nodes --json`, run on the manager's own host, reports it. */
export async function statusOnManagerHost(manager: HostManager): Promise<ClusterStatus> {
  const { code, output } = await argonOn(manager.host, [
    'nodes',
    '--json',
    '--manager',
    `127.0.0.1:${MANAGER_PORT}`,
    '--token',
    manager.token,
    '--fingerprint',
    manager.fingerprint,
  ])
  if (code !== 0) throw new Error(`argon nodes failed (${code}): ${output}`)
  return JSON.parse(output) as ClusterStatus
}

export type DriverEvent =
  { event: 'connect' | 'ready'; at?: number } | { event: 'disconnect'; reason: string; at: number }

export interface ClientDriver {
  proc: RunningProcess
  /** Sends one request and waits for its answer. */
  call<T = unknown>(op: string, request?: Record<string, unknown>, timeoutMs?: number): Promise<T>
  /** Connects and disconnects seen so far. */
  events: DriverEvent[]
}

/** Starts the client program on `host`, connected to the manager at `address` (`a.b.c.d`), pinning its certificate. */
export async function startClientDriver(
  host: Host,
  managerAddress: string,
  token: string,
  fingerprint: string,
): Promise<ClientDriver> {
  const { command, args } = onHost(host, [
    process.execPath,
    '--import',
    'tsx',
    CLIENT_DRIVER,
    managerAddress,
    String(MANAGER_PORT),
    token,
    fingerprint,
  ])
  const proc = startCommand(command, args, { stdin: true, env: { ARGON_HOME: tempHome() } })
  const events: DriverEvent[] = []
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  let buffered = ''
  proc.child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    let newline: number
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      if (!line.startsWith('{')) continue
      const message = JSON.parse(line) as {
        id?: number
        ok?: boolean
        value?: unknown
        error?: string
      } & Partial<DriverEvent>
      if (message.id === undefined) {
        events.push(message as DriverEvent)
        continue
      }
      const waiter = pending.get(message.id)
      pending.delete(message.id)
      if (message.ok) waiter?.resolve(message.value)
      else waiter?.reject(new Error(`client driver: ${message.error}`))
    }
  })
  let nextId = 0
  const driver: ClientDriver = {
    proc,
    events,
    call<T>(op: string, request: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
      const id = ++nextId
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`client driver: ${op} got no answer within ${timeoutMs} ms; output:\n${proc.output()}`))
        }, timeoutMs)
        pending.set(id, {
          resolve: (value) => (clearTimeout(timer), resolve(value as T)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        })
        proc.child.stdin!.write(`${JSON.stringify({ id, op, ...request })}\n`)
      })
    },
  }
  await proc.waitFor(/"event":"ready"/, 30_000)
  return driver
}
