import { EventEmitter } from 'node:events'
import {
  formatHost,
  NAMESPACES,
  cutText,
  jobTaskSuffix,
  type ClusterEvent,
  type ClusterStatus,
  type NodeStatus,
} from '../protocol/index.js'
import type { Fingerprint } from '../protocol/tls-files.js'
import { ActivityLog } from './activity-log.js'
import { serveClients, type ClientNamespace } from './client-namespace.js'
import { ClientSessions } from './client-sessions.js'
import { serveControl, type ControlNamespace } from './control-namespace.js'
import { Dispatcher } from './dispatcher.js'
import { publishEndpoint } from './endpoint-publication.js'
import { httpListener } from './http-listener.js'
import { httpRoutes } from './http-routes.js'
import { JobBoard } from './jobs/job-board.js'
import { joinCommands } from './join-commands.js'
import { attachLocalNode, type LocalNodeHandle } from './local-node.js'
import { resolveManagerOptions, type ManagerOptions } from './manager-options.js'
import { createMetricsExporter } from './metrics-exporter.js'
import type { NodeIdentity, NodeLink } from './node-entry.js'
import { serveNodes, type NodeNamespace } from './node-namespace.js'
import { TaskOutputs } from './output/task-outputs.js'
import { defaultDashboardDir, packageVersion } from './package-info.js'
import { watchSilentNodes } from './silent-node-watch.js'
import { createSocketServers } from './socket-servers.js'
import { loadManagerCertificate, type ManagerCertificate } from './tls-certificate.js'
import { WarningThrottle } from './warning-throttle.js'

export { DEFAULT_NODE_TIMEOUT_MS, type ManagerOptions } from './manager-options.js'
export type { LocalNodeHandle } from './local-node.js'

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
    metrics: createMetricsExporter(dispatcher, status, () => dataLinks.open),
  })
  const server = httpListener(routes, certificate)

  const { machines, operators, dataLinks } = createSocketServers(server.http, { token, nodeTimeoutMs, warnings })
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
    port = await server.listen(options.port ?? 8000, host)
  } catch (error) {
    // Port in use or not allowed: leave nothing running behind.
    control.close()
    jobs.close()
    sessions.close()
    void machines.close()
    void operators.close()
    throw error
  }
  const withdrawEndpoint = publishEndpoint(log, { host, port, tls, certificate })
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
    attachLocalNode: (identity: NodeIdentity, link: NodeLink) => attachLocalNode(dispatcher, outputs, identity, link),
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
      await server.close()
      withdrawEndpoint()
    },
  })
  return manager
}
