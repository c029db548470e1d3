import { randomBytes, randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import {
  FrameBatcher,
  OutcomeFrameWriter,
  readOrCreateTokenFile,
  readOutcomeFrame,
  type NodeHeartbeat,
  type TlsTrustOptions,
} from '../protocol/index.js'
import { createManager, type LocalNodeHandle, type Manager } from '../manager/index.js'
import type { Logger } from '../manager/logger.js'
import { packageVersion } from '../manager/package-info.js'
import { ChildPool, type PoolOutcome, type PoolTask } from './child-pool.js'
import { ManagerLink } from './manager-link.js'
import { ProcessUsage } from './process-usage.js'

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
 * Starts an agent.
 *
 * @example
 * ```ts
 * const agent = await startNodeAgent({ join: { host: 'mgrhost', port: 8000 }, token, workers: 4, name: 'gpu-1', maxRequests: 0, log: console.log, onFatal: () => process.exit(2) })
 * ```
 */
export async function startNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const nodeId = randomUUID()
  const usage = new ProcessUsage()
  let report: (outcome: PoolOutcome) => void = () => undefined
  const pool = new ChildPool({
    size: options.workers,
    maxRequests: options.maxRequests,
    env: { ARGON_NODE_NAME: options.name, ARGON_NODE_ID: nodeId },
    onSettled: (outcome) => report(outcome),
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
  const identity = {
    nodeId,
    nodeSecret,
    name: options.name,
    nameChosen: options.nameChosen ?? false,
    host: hostname(),
    workers: options.workers,
    pid: process.pid,
    version: packageVersion(),
  }

  if (options.join) {
    if (!options.token) {
      pool.destroy()
      throw new TypeError(
        "no token: pass --token, set ARGON_TOKEN, or run on the manager's machine (it shares the token file)",
      )
    }
    await pool.whenReady(10_000)
    const link = new ManagerLink({
      host: options.join.host,
      port: options.join.port,
      trust: options.join.trust ?? {},
      identity: { ...identity, token: options.token },
      pool,
      heartbeat,
      log: options.log,
      onFatal: options.onFatal,
    })
    report = (outcome) => link.report(outcome)
    return {
      nodeId,
      name: options.name,
      port: undefined,
      fingerprint: undefined,
      async stop(graceMs) {
        link.leaving(pool.takeQueued().map((task) => task.id))
        await pool.close(graceMs)
        await link.close()
      },
      destroy() {
        pool.destroy()
        void link.close()
      },
    }
  }

  const standalone = options.standalone
  if (!standalone) throw new TypeError('give a manager to join or a port to serve on')
  const manager: Manager = await createManager({
    host: standalone.host,
    port: standalone.port,
    token: options.token ?? readOrCreateTokenFile(),
    queueSize: standalone.queueSize,
    dashboard: true,
    ...(options.logger ? { logger: options.logger } : {}),
    tls: standalone.tls,
    tlsCert: standalone.tlsCert,
    tlsKey: standalone.tlsKey,
  }).catch((error: unknown) => {
    pool.destroy()
    throw error
  })
  // In process, outcomes take the same frame path as from a remote agent (one reader, one set of checks).
  const writer = new OutcomeFrameWriter()
  const outcomes = new FrameBatcher<PoolOutcome>((batch) => {
    for (const outcome of batch) {
      if (outcome.ok)
        writer.addResult(outcome.id, outcome.attempt, outcome.ms, undefined, outcome.bytes, outcome.start, outcome.end)
      else writer.addError(outcome.id, outcome.attempt, outcome.ms, outcome.error)
    }
    const frame = readOutcomeFrame(writer.finish())
    if (frame.ok) handle.settled(frame)
    else options.log(`internal error: an outcome frame could not be read back (${frame.message})`)
  })
  // The dispatcher hands over one task at a time; gather them so children still get batches.
  const runs = new FrameBatcher<PoolTask>((tasks) => pool.run(tasks))
  const handle: LocalNodeHandle = manager.attachLocalNode(
    { id: nodeId, name: options.name, host: identity.host, workers: options.workers, version: identity.version },
    {
      run: (task, attempt) =>
        runs.push({
          id: task.id,
          attempt,
          fn: task.fn,
          timeout: task.timeout,
          bytes: task.bytes,
          start: task.start,
          end: task.end,
        }),
      cancel: (request) => pool.cancel(request),
      state: () => undefined,
      scale: (workers) => pool.resize(workers),
    },
  )
  report = (outcome) => outcomes.push(outcome)
  // A node gets work from its first heartbeat on.
  handle.heartbeat(heartbeat())
  const beat = setInterval(() => handle.heartbeat(heartbeat()), 1000)
  beat.unref()
  return {
    nodeId,
    name: options.name,
    port: manager.port,
    fingerprint: manager.fingerprint,
    async stop(graceMs) {
      clearInterval(beat)
      handle.leaving(pool.takeQueued().map((task) => task.id))
      await pool.close(graceMs)
      outcomes.flush()
      await manager.close()
    },
    destroy() {
      clearInterval(beat)
      pool.destroy()
      void manager.close()
    },
  }
}
