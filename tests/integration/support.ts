/**
 * What the integration tests share besides starting processes: the fixture tasks, clients that
 * are closed in teardown, marker directories, and assertions on error codes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, vi } from 'vitest'
import { ArgonError, Client } from '../../client/index.js'
import { serialize } from 'node:v8'
import { io, type Socket } from 'socket.io-client'
import {
  SOCKET_PATHS,
  machineUpgradeHeaders,
  refusalCode,
  type ClusterStatus,
  type ErrorCode,
} from '../../protocol/index.js'
import { packetCodec } from '../../protocol/packet-codec.js'
import { ROOT, startAgent, startManager, type RunningProcess, type StartedManager } from '../helpers/processes.js'

/** Absolute path of the fixture task module. */
export const FIXTURE_TASKS = join(ROOT, 'tests/fixtures/tasks.mjs')

/** What a task in the fixture module looks like to the client. */
export function fixture(name: string): { module: string; export: string } {
  return { module: FIXTURE_TASKS, export: name }
}

/** Where a fixture task ran (see `whoami` in tests/fixtures/tasks.mjs). */
export interface WhereRan {
  node: string
  nodeId: string
  pid: number
  ppid: number
}

export { openClient, withTimeout } from '../helpers/clients.js'

const dirs: string[] = []

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh directory for marker files, removed when the test ends. */
export function markerDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'argon-markers-'))
  dirs.push(dir)
  return dir
}

/** Waits until `dir` holds at least `count` files, and returns their names. */
export async function waitForFiles(dir: string, count: number, timeout = 15_000): Promise<string[]> {
  return vi.waitFor(
    () => {
      const names = readdirSync(dir)
      if (names.length < count) throw new Error(`${names.length}/${count} marker files in ${dir}`)
      return names
    },
    { timeout, interval: 20 },
  )
}

/** Reads a marker written by the `markAndSleep` fixture. */
export function readMarker(dir: string, tag: string): WhereRan {
  return JSON.parse(readFileSync(join(dir, tag), 'utf8')) as WhereRan
}

/** Asserts that `promise` rejects with an ArgonError of `code`, and returns that error. */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<ArgonError> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  )
  if (outcome.ok) throw new Error(`expected a rejection with ${code}, got the value ${String(outcome.value)}`)
  expect(outcome.error).toBeInstanceOf(ArgonError)
  expect((outcome.error as ArgonError).code).toBe(code)
  return outcome.error as ArgonError
}

/** Is the process `pid` still alive? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Kills every orphan a `killAgent` fixture left a marker for in `dir` (it sleeps a few seconds). */
export function killOrphans(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('orphan-')) continue
    const pid = Number(name.slice('orphan-'.length))
    if (Number.isInteger(pid) && pid > 1 && isAlive(pid)) process.kill(pid, 'SIGKILL')
  }
}

export interface StartedCluster {
  manager: StartedManager
  agents: RunningProcess[]
}

/** Starts a manager and, in parallel, one joined agent per entry of `agents`. */
export async function startCluster(options: {
  agents: { name: string; workers?: number; args?: string[] }[]
  managerArgs?: string[]
}): Promise<StartedCluster> {
  const manager = await startManager({ args: options.managerArgs ?? [] })
  const agents = await Promise.all(options.agents.map((agent) => startAgent(manager, agent)))
  return { manager, agents }
}

/** Waits until the cluster status seen by `client` satisfies `check` (which throws until then). */
export async function waitForStatus<T>(
  client: Client,
  check: (status: ClusterStatus) => T,
  timeout = 15_000,
): Promise<T> {
  return vi.waitFor(async () => check(await client.status()), { timeout, interval: 100 })
}

const rawSockets = new Set<Socket>()
afterEach(() => {
  for (const socket of rawSockets) socket.disconnect()
  rawSockets.clear()
})

/**
 * A machine-path Socket.IO connection that speaks the codec but sends whatever the test wants:
 * `auth` goes in the namespace handshake, `headers` with the WebSocket upgrade (by default the
 * token and protocol version a real peer sends). Closed when the test ends.
 */
export function rawMachineSocket(
  port: number,
  namespace: string,
  auth: Record<string, unknown>,
  headers?: Record<string, string>,
): Socket {
  const token = typeof auth.token === 'string' ? auth.token : ''
  const socket = io(`http://127.0.0.1:${port}${namespace}`, {
    path: SOCKET_PATHS.machine,
    parser: packetCodec,
    transports: ['websocket'],
    reconnection: false,
    auth,
    extraHeaders: headers ?? machineUpgradeHeaders(token),
  })
  rawSockets.add(socket)
  return socket
}

/** Resolves 'connected', or the code of the refusal (from the handshake or the upgrade). */
export function connectOutcome(socket: Socket): Promise<string> {
  // Asked after the fact (a second socket awaited after the first), 'connect' has fired already.
  if (socket.connected) return Promise.resolve('connected')
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'))
    socket.once('connect_error', (error) => resolve(refusalCode(error) ?? `not refused for good: ${error.message}`))
  })
}

/**
 * Sends an EVENT packet on a machine-path socket exactly as the binary codec frames it, bypassing
 * socket.io-client's own checks (it refuses to emit Socket.IO's reserved names; a hostile peer does not).
 */
export function emitRaw(socket: Socket, namespace: string, event: string, ...args: unknown[]): void {
  socket.io.engine.write(serialize({ type: 2, nsp: namespace, data: [event, ...args] }))
}
