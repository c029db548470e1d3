import { randomBytes, randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { NodeHeartbeat, TlsTrustOptions } from '../protocol/index.js'
import type { Logger } from '../manager/logger.js'
import { packageVersion } from '../manager/package-info.js'
import { ChildPool, type PoolOutcome } from './child-pool.js'
import type { ChildOutputChunk } from './child-messages.js'
import { startJoinedAgent } from './joined-agent.js'
import { ProcessUsage } from './process-usage.js'
import { startStandaloneAgent } from './standalone-agent.js'

export interface NodeAgentOptions {
  /** Join this manager (`trust`: how to verify it: TLS, a pinned fingerprint or a CA)… */
  join?: { host: string; port: number; trust?: TlsTrustOptions }
  /**
   * …or serve clients directly on this address (stand-alone), with the manager's TLS options:
   * TLS by default beyond loopback, with `tlsCert`/`tlsKey` or a generated certificate.
   */
  standalone?: {
    host: string
    port: number
    queueSize: number | null
    tls?: boolean
    tlsCert?: string | Buffer
    tlsKey?: string | Buffer
  }
  token: string | undefined
  workers: number
  name: string
  /**
   * True when an operator chose `name`: a connected node holding it makes the manager refuse
   * this agent (NAME_IN_USE). Otherwise a taken name is numbered by the manager (`vm-2`).
   * @default false
   */
  nameChosen?: boolean
  /** Recycle a child after this many tasks; 0 = never. */
  maxRequests: number
  log: (message: string) => void
  /** Stand-alone: the log of the manager endpoint it serves. @default JSON lines on stderr */
  logger?: Logger
  /** Called when the manager refuses this agent for good. */
  onFatal: (code: string, message: string) => void
}

/** A running node-agent: a child pool plus its link to a manager, or its own stand-alone endpoint. */
export interface NodeAgent {
  readonly nodeId: string
  readonly name: string
  /** Stand-alone only: the port clients connect to. */
  readonly port: number | undefined
  /** Stand-alone only: the served certificate's fingerprint, when it serves TLS. */
  readonly fingerprint: string | undefined
  /** Stops taking work, lets running tasks finish (up to `graceMs`), then stops. */
  stop(graceMs: number): Promise<void>
  /** Kills the children and drops the link now. */
  destroy(): void
}

/**
 * Starts an agent: its child pool, then either its link to a manager (joined-agent.ts) or its own
 * endpoint for clients (standalone-agent.ts).
 *
 * @example
 * ```ts
 * const agent = await startNodeAgent({ join: { host: 'mgrhost', port: 8000 }, token, workers: 4, name: 'gpu-1', maxRequests: 0, log: console.log, onFatal: () => process.exit(2) })
 * ```
 */
export async function startNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const nodeId = randomUUID()
  const usage = new ProcessUsage()
  // Where outcomes go is up to the mode (the link to a manager, or the in-process manager).
  let report: (outcome: PoolOutcome) => void = () => undefined
  let reportOutput: (pid: number, chunks: ChildOutputChunk[]) => void = () => undefined
  const pool = new ChildPool({
    size: options.workers,
    maxRequests: options.maxRequests,
    env: { ARGON_NODE_NAME: options.name, ARGON_NODE_ID: nodeId },
    onSettled: (outcome) => report(outcome),
    onOutput: (pid, chunks) => reportOutput(pid, chunks),
    onWarning: options.log,
  })
  const heartbeat = (): NodeHeartbeat => ({
    busy: pool.busy,
    workerBusy: pool.workerBusy(),
    ...usage.read(pool.pids()),
    uptimeSeconds: process.uptime(),
  })
  // Binds our node id to this process on the manager: nobody else can take the id over.
  const nodeSecret = randomBytes(24).toString('hex')
  const identity: AgentIdentity = {
    nodeId,
    nodeSecret,
    name: options.name,
    nameChosen: options.nameChosen ?? false,
    host: hostname(),
    workers: options.workers,
    pid: process.pid,
    version: packageVersion(),
  }
  const base: AgentBase = {
    nodeId,
    identity,
    pool,
    heartbeat,
    onOutcome: (sink) => {
      report = sink
    },
    onOutput: (sink) => {
      reportOutput = sink
    },
  }
  if (options.join) return startJoinedAgent(base, options.join, options)
  if (!options.standalone) {
    pool.destroy()
    throw new TypeError('give a manager to join or a port to serve on')
  }
  return startStandaloneAgent(base, options.standalone, options)
}

/** What both modes share: the node's identity, its child pool and its heartbeat. */
export interface AgentBase {
  readonly nodeId: string
  readonly identity: AgentIdentity
  readonly pool: ChildPool
  readonly heartbeat: () => NodeHeartbeat
  /** Sends every outcome of the pool to `sink` from now on. */
  onOutcome(sink: (outcome: PoolOutcome) => void): void
  /** Sends what the pool's tasks write to stdout/stderr to `sink` from now on. */
  onOutput(sink: (pid: number, chunks: ChildOutputChunk[]) => void): void
}

/** How this agent introduces itself to a manager. */
export interface AgentIdentity {
  nodeId: string
  nodeSecret: string
  name: string
  nameChosen: boolean
  host: string
  workers: number
  pid: number
  version: string
}
