import { EventEmitter } from 'node:events'
import { createServer, type Server as HttpServer } from 'node:http'
import { createServer as createSecureServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import {
  formatHost,
  NAMESPACES,
  cutText,
  jobTaskSuffix,
  type ClusterEvent,
  type ClusterStatus,
  type NodeHeartbeat,
  type NodeStatus,
  type NodeTaskOutcome,
  type OutcomeFrame,
  type TaskOutputChunk,
} from '../protocol/index.js'
import {
  isLoopbackHost,
  removeEndpointRecord,
  writeEndpointRecord,
  type EndpointRecord,
  type Fingerprint,
} from '../protocol/tls-files.js'
import { ActivityLog } from './activity-log.js'
import { serveClients, type ClientNamespace } from './client-namespace.js'
import { ClientSessions } from './client-sessions.js'
import { serveControl, type ControlNamespace } from './control-namespace.js'
import { Dispatcher } from './dispatcher.js'
import { httpRoutes } from './http-routes.js'
import { JobBoard } from './jobs/job-board.js'
import type { Logger } from './logger.js'
import { TaskOutputs } from './output/task-outputs.js'
import { createMetricsExporter } from './metrics-exporter.js'
import type { NodeIdentity, NodeLink } from './node-entry.js'
import { serveNodes, type NodeNamespace } from './node-namespace.js'
import { defaultDashboardDir, packageVersion } from './package-info.js'
import { joinCommands } from './join-commands.js'
import { resolveManagerOptions } from './manager-options.js'
import { createSocketServers } from './socket-servers.js'
import { watchSilentNodes } from './silent-node-watch.js'
import type { TaskHistoryLimits } from './task-history.js'
import { loadManagerCertificate, type ManagerCertificate } from './tls-certificate.js'
import { tlsOnlyListener } from './tls-only-listener.js'
import { WarningThrottle } from './warning-throttle.js'

export { DEFAULT_NODE_TIMEOUT_MS } from './manager-options.js'

export interface ManagerOptions {
  /** Interface to listen on. @default '0.0.0.0' */
  host?: string
  /** Port to listen on; 0 picks a free one. @default 8000 */
  port?: number
  /** Shared secret. @default ARGON_TOKEN, else the token file ($ARGON_HOME/token), created if absent */
  token?: string
  /** Most waiting tasks; beyond it submissions get QUEUE_FULL. null = unbounded. @default null */
  queueSize?: number | null
  /** Dispatches a task may have before a lost worker fails it with WORKER_LOST. @default 3 */
  maxAttempts?: number
  /** Largest serialized argument list of one task, bytes (at most what one frame can carry, 63 MiB). @default 16 MiB */
  maxPayloadBytes?: number
  /** Scheduling strategy name. @default 'least-completion-time' */
  strategy?: string
  /** Serve the dashboard at `/` (true: the built one shipped in the package; a string: that folder). @default true */
  dashboard?: boolean | string
  /** How long answers wait for a disconnected client, ms. @default 60000 */
  resultRetentionMs?: number
  /**
   * A node that sends nothing (no heartbeat — agents send one a second — and no answer) for this
   * long is treated as lost: its tasks run elsewhere. Raise it where one task's payload takes
   * longer than this to cross the link. @default 6000
   */
  nodeTimeoutMs?: number
  /**
   * How much task history to keep for `argon tasks` and the dashboard: recent tasks of any outcome,
   * and failures in a store of their own. @default 10000 recent / 16 MiB, 2000 failures / 16 MiB
   */
  taskHistory?: Partial<TaskHistoryLimits>
  /** A pino logger, or false for none. @default JSON lines on stderr */
  logger?: Logger | false
  /**
   * Serve HTTPS/WSS only (plain requests get a 497 saying how to connect). Off beyond loopback,
   * the token and every task cross the network in clear, so that logs a warning.
   * @default true when `host` is not a loopback address, false on loopback
   */
  tls?: boolean
  /** The certificate to serve (PEM text; a chain may follow it). @default one generated once and kept in $ARGON_HOME/tls */
  tlsCert?: string | Buffer
  /** The private key of `tlsCert` (PEM text). Required with `tlsCert`. */
  tlsKey?: string | Buffer
}

/** Handle for an in-process node (a stand-alone agent runs its own pool this way). */
export interface LocalNodeHandle {
  settled(outcomes: OutcomeFrame | NodeTaskOutcome[]): void
  heartbeat(beat: NodeHeartbeat): void
  leaving(returned: string[]): void
  /** What the node's tasks wrote to stdout/stderr, before their outcomes. */
  output(chunks: TaskOutputChunk[]): void
  detach(): void
}

export interface Manager extends EventEmitter<{ event: [ClusterEvent] }> {
  readonly host: string
  readonly port: number
  readonly token: string
  /** True when the manager serves HTTPS/WSS only. */
  readonly tls: boolean
  /** The SHA-256 fingerprint of the served certificate (`sha256:…`), when `tls`. Agents and clients pin it. */
  readonly fingerprint: Fingerprint | undefined
  /** `http(s)://127.0.0.1:PORT/?token=…` — opens the dashboard logged in. */
  readonly dashboardUrl: string
  /**
   * `ARGON_TOKEN=… node-agent --join ADDRESS:PORT [--fingerprint sha256:…]` for each address this
   * machine is reachable at (the token travels in the environment, never in the agent's argv).
   */
  readonly joinCommands: string[]
  status(): ClusterStatus
  drain(name: string): NodeStatus
  resume(name: string): NodeStatus
  /** Attaches a node that lives in this process. */
  attachLocalNode(identity: NodeIdentity, link: NodeLink): LocalNodeHandle
  close(): Promise<void>
}

/**
 * Starts a manager: the HTTP server (health, dashboard, metrics) and the Socket.IO endpoints for
 * clients, agents and operators.
 *
 * @example
 * ```ts
 * import { createManager } from 'argon-cluster/manager'
 * const manager = await createManager({ port: 8000, queueSize: 10_000 })
 * console.log(manager.fingerprint)       // sha256:…  (TLS is on: the manager listens beyond loopback)
 * console.log(manager.joinCommands[0])   // ARGON_TOKEN=… node-agent --join 192.168.1.5:8000 --fingerprint sha256:…
 * // …
 * await manager.close()
 * ```
 */
export async function createManager(options: ManagerOptions = {}): Promise<Manager> {
  const resolved = resolveManagerOptions(options)
  const { host, token, log, maxAttempts, queueSize, maxPayloadBytes, nodeTimeoutMs, makeStrategy, tls } = resolved
  const version = packageVersion()
  const certificate: ManagerCertificate | undefined = tls
    ? await loadManagerCertificate(resolved.certificate)
    : undefined

  const warnings = new WarningThrottle(log)
  const emitter = new EventEmitter<{ event: [ClusterEvent] }>()
  // A finished task's record takes the output its node sent before the outcome.
  const activity: ActivityLog = new ActivityLog({
    taskHistory: options.taskHistory,
    outputOf: (id: string): { text: string; bytes: number } | undefined => outputs.take(id),
  })
  activity.subscribe((event) => emitter.emit('event', event))
  const sessions = new ClientSessions(
    { retentionMs: options.resultRetentionMs ?? 60_000, maxResults: 100_000, maxBytes: 256 * 1024 * 1024 },
    (clientId, dropped) =>
      log.warn(
        { clientId, dropped },
        'answers dropped for a disconnected client (away past the retention time, or over the held-answer limit)',
      ),
  )
  const dispatcher = new Dispatcher({
    queueSize,
    maxAttempts,
    strategy: makeStrategy(),
    activity,
    deliver: (clientId, outcome) => sessions.deliver(clientId, outcome),
    onForged: (node, taskId) =>
      warnings.warn(
        'forged-answer',
        { node, taskId: cutText(taskId) },
        'dropped an answer from a node that was never given the task',
      ),
  })
  const status = () => dispatcher.status(sessions.connected)
  const outputs: TaskOutputs = new TaskOutputs({
    ownerOf: (id: string): string | undefined => dispatcher.ownerOf(id),
    holds: (nodeId, id) => dispatcher.nodes.get(nodeId)?.assigned.has(id) === true,
    deliver: (clientId, chunks) => sessions.deliverOutput(clientId, chunks),
  })
  // A job whose client stays away as long as its answers are held is abandoned.
  const jobs = new JobBoard({ awayGraceMs: Math.max(1000, options.resultRetentionMs ?? 60_000) }, (clientId, key) =>
    dispatcher.cancel(
      clientId,
      dispatcher.idsOf(clientId, jobTaskSuffix(key)).map((id) => ({ id, reason: 'cancel' as const })),
    ),
  )

  const dashboardDir =
    options.dashboard === false
      ? null
      : typeof options.dashboard === 'string'
        ? options.dashboard
        : defaultDashboardDir()
  const routes = httpRoutes({
    token,
    version,
    dashboardDir,
    status,
    metrics: createMetricsExporter(dispatcher, status),
  })
  const http: HttpServer = certificate
    ? createSecureServer({ cert: certificate.cert, key: certificate.key }, routes)
    : createServer(routes)
  // With TLS, one front listener takes the port: TLS goes to `http`; plain requests get /health, or learn why they fail.
  const front = certificate
    ? tlsOnlyListener(
        http as ReturnType<typeof createSecureServer>,
        routes,
        'this Argon manager only accepts TLS: open https:// in a browser; agents, clients and commands pass the fingerprint the manager printed (--fingerprint sha256:…) or its CA (--ca FILE)',
      )
    : undefined
  const listener = front ?? http
  // Slow or stalled requests must not hold sockets for minutes.
  http.headersTimeout = 10_000
  http.requestTimeout = 30_000

  const { machines, operators } = createSocketServers(http, { token, nodeTimeoutMs, warnings })
  serveClients(machines.of(NAMESPACES.client) as unknown as ClientNamespace, {
    token,
    maxPayloadBytes,
    dispatcher,
    sessions,
    jobs,
    log,
    warnings,
    status,
  })
  serveNodes(machines.of(NAMESPACES.node) as unknown as NodeNamespace, { token, dispatcher, outputs, log, warnings })

  let port = 0
  const resolvedHost = () => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)
  const joinCommandsNow = () => joinCommands(host, port, token, certificate?.fingerprint)
  const control = serveControl(operators.of(NAMESPACES.control) as unknown as ControlNamespace, {
    token,
    dispatcher,
    activity,
    jobs,
    log,
    warnings,
    status,
    joinCommands: joinCommandsNow,
  })

  try {
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject)
      listener.listen(options.port ?? 8000, host, () => {
        listener.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    // Port in use or not allowed: leave nothing running behind.
    control.close()
    jobs.close()
    sessions.close()
    void machines.close()
    void operators.close()
    throw error
  }
  port = (listener.address() as AddressInfo).port
  log.info({ host, port, tls, fingerprint: certificate?.fingerprint }, 'manager listening')
  if (certificate?.origin === 'generated')
    log.info(
      { certFile: certificate.certFile, fingerprint: certificate.fingerprint },
      'generated a self-signed TLS certificate (kept for the next start)',
    )
  if (!tls && !isLoopbackHost(host)) {
    log.warn(
      { host, port },
      'TLS is off while listening beyond loopback: the token and every task cross the network in clear (drop --no-tls to serve TLS)',
    )
  }
  // Local agents, clients and commands read this to know to use TLS, and which certificate to pin.
  const record: EndpointRecord = certificate
    ? { port, tls: true, fingerprint: certificate.fingerprint }
    : { port, tls: false }
  try {
    writeEndpointRecord(record)
  } catch (error) {
    log.warn(
      { error: (error as Error).message },
      'cannot publish the endpoint record in $ARGON_HOME; local programs will need --fingerprint',
    )
  }
  const silentNodes = watchSilentNodes(dispatcher, nodeTimeoutMs, (name, reason) =>
    log.warn({ node: name, reason }, 'node lost: no heartbeat'),
  )

  const manager = Object.assign(emitter, {
    host,
    port,
    token,
    tls,
    fingerprint: certificate?.fingerprint,
    dashboardUrl: `${tls ? 'https' : 'http'}://${formatHost(resolvedHost())}:${port}/?token=${encodeURIComponent(token)}`,
    get joinCommands() {
      return joinCommandsNow()
    },
    status,
    drain: (name: string) => dispatcher.drain(name),
    resume: (name: string) => dispatcher.resume(name),
    attachLocalNode(identity: NodeIdentity, link: NodeLink): LocalNodeHandle {
      dispatcher.nodeConnected(identity, link)
      return {
        settled: (outcomes) => void dispatcher.nodeSettled(identity.id, outcomes),
        heartbeat: (beat) => dispatcher.heartbeat(identity.id, beat),
        leaving: (returned) => dispatcher.nodeLeaving(identity.id, returned),
        output: (chunks) => void outputs.fromNode(identity.id, identity.name, chunks),
        detach: () => dispatcher.nodeDisconnected(identity.id, 'detached'),
      }
    },
    async close() {
      clearInterval(silentNodes)
      control.close()
      jobs.close()
      activity.close()
      sessions.close()
      operators.disconnectSockets(true)
      machines.disconnectSockets(true)
      // Both servers share one HTTP server: the second close finds it closed and still resolves.
      await Promise.all([operators.close(), machines.close()])
      http.closeAllConnections()
      if (front) {
        front.destroyConnections()
        await new Promise<void>((resolve) => front.close(() => resolve()))
      }
      try {
        removeEndpointRecord(record)
      } catch {
        // Leaving a record behind only costs a local program one clear failure.
      }
    },
  })
  return manager
}
