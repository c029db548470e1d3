import type { Server as HttpServer } from 'node:http'
import { Server } from 'socket.io'
import { MAX_CONTROL_FRAME_BYTES, MAX_FRAME_BYTES, SOCKET_PATHS } from '../protocol/index.js'
import { packetCodec } from '../protocol/packet-codec.js'
import { NAMESPACES } from '../protocol/namespaces.js'
import { DataLinkServer } from './data-links.js'
import { gateUpgrades } from './upgrade-gate.js'
import type { WarningThrottle } from './warning-throttle.js'

/** A peer must finish its Socket.IO handshake within this long, or it is dropped. */
const HANDSHAKE_TIMEOUT_MS = 5000

/** The two Socket.IO servers on the manager's HTTP server. */
export interface SocketServers {
  /** Agents and clients: binary codec, one frame per batch. */
  machines: Server
  /** Browsers and `argon` commands: the default parser, control only. */
  operators: Server
  /** The machine connections' data links. */
  dataLinks: DataLinkServer
}

/**
 * Attaches the machine path and the control path to `http`. Strangers are turned away at the
 * upgrade, before the machine path buffers any frame, and the unused root namespaces refuse
 * connections so a stray peer learns where to go.
 */
export function createSocketServers(
  http: HttpServer,
  options: { token: string; nodeTimeoutMs: number; warnings: WarningThrottle },
): SocketServers {
  const machines = new Server(http, {
    path: SOCKET_PATHS.machine,
    parser: packetCodec,
    transports: ['websocket'],
    maxHttpBufferSize: MAX_FRAME_BYTES,
    serveClient: false,
    destroyUpgrade: false,
    perMessageDeflate: false,
    connectTimeout: HANDSHAKE_TIMEOUT_MS,
    // Agents and clients notice a manager that froze or vanished behind a partition within
    // pingInterval + pingTimeout, instead of Socket.IO's default 45 s.
    pingInterval: 2000,
    pingTimeout: Math.max(10_000, options.nodeTimeoutMs),
  })
  const operators = new Server(http, {
    path: SOCKET_PATHS.control,
    serveClient: false,
    destroyUpgrade: false,
    maxHttpBufferSize: MAX_CONTROL_FRAME_BYTES,
    connectTimeout: HANDSHAKE_TIMEOUT_MS,
  })
  const dataLinks = new DataLinkServer(MAX_FRAME_BYTES)
  // Offered once a namespace connection is authenticated (its middleware ran).
  for (const name of [NAMESPACES.client, NAMESPACES.node])
    machines.of(name).on('connection', (socket) => dataLinks.offer(socket))
  gateUpgrades(http, {
    machinePath: SOCKET_PATHS.machine,
    dataPath: SOCKET_PATHS.data,
    onDataLink: (request, socket, head) => dataLinks.accept(request, socket, head),
    otherPaths: [SOCKET_PATHS.control],
    token: options.token,
    onRefused: (reason, address) =>
      options.warnings.warn('upgrade-refused', { address, reason }, 'refused a connection on the machine path'),
  })
  machines.use((_socket, next) => next(new Error('connect to /client or /node')))
  operators.use((_socket, next) => next(new Error('connect to /control')))
  return { machines, operators, dataLinks }
}
