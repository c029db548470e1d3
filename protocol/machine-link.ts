/**
 * What a client's and an agent's link to the manager share: the socket's options (binary packet
 * codec, upgrade authentication, TLS, backoff), the connect errors that end a link for good, the
 * reconnect after a server-side disconnect, and the sync that lets the manager handle the last
 * frames before the disconnect reaches it. Node-only (the packet codec): browsers speak the control
 * path.
 */
import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client'
import type { ErrorCode } from './error-codes.js'
import { connectErrorCause, machineUpgradeHeaders, refusalCode } from './machine-auth.js'
import { SOCKET_PATHS } from './namespaces.js'
import { packetCodec } from './packet-codec.js'
import { describeTlsFailure, type ManagerEndpoint } from './tls-connect.js'
import { PROTOCOL_VERSION } from './version.js'

/** Socket.IO's first reconnect delay, ms; it doubles per failed attempt (± 50 % jitter). */
export const RECONNECT_DELAY_MS = 250
/** Socket.IO's longest reconnect delay, ms. */
export const RECONNECT_DELAY_MAX_MS = 5000

/**
 * The socket.io-client options of a machine link to `endpoint`: the binary packet codec on the
 * machine path, the token and protocol version on the upgrade and in the handshake (`auth` plus
 * the protocol version), and reconnecting forever with capped, jittered backoff.
 */
export function machineSocketOptions(
  endpoint: ManagerEndpoint,
  token: string,
  auth: Record<string, unknown>,
  connectTimeoutMs: number,
): Partial<ManagerOptions & SocketOptions> {
  return {
    ...endpoint.socketOptions,
    path: SOCKET_PATHS.machine,
    parser: packetCodec,
    transports: ['websocket'],
    auth: { ...auth, protocol: PROTOCOL_VERSION },
    extraHeaders: machineUpgradeHeaders(token),
    reconnection: true,
    reconnectionAttempts: Infinity,
    reconnectionDelay: RECONNECT_DELAY_MS,
    reconnectionDelayMax: RECONNECT_DELAY_MAX_MS,
    randomizationFactor: 0.5,
    timeout: connectTimeoutMs,
  }
}

/** Socket.IO's backoff before the attempt after `failed` failures: doubling from 250 ms, capped at 5 s (± 50 % jitter). */
export function nextReconnectDelayMs(failed: number): number {
  return Math.min(RECONNECT_DELAY_MS * 2 ** (failed - 1), RECONNECT_DELAY_MAX_MS)
}

/** How a link's owner takes part in its supervision. */
export interface LinkSupervisor {
  /** True once the owner closed the link (or it failed for good): it is not reconnected then. */
  ended(): boolean
  /**
   * The manager refused the link for good (`code` is the refusal's, `message` the manager's text)
   * or its certificate is not the expected one (`TLS_MISMATCH`, `message` says what to do). The
   * socket is already disconnected: retrying would not help.
   */
  fatal(code: ErrorCode, message: string): void
  /** A connect attempt failed in a way a later attempt may not (Socket.IO tries again by itself). */
  retrying?(cause: string): void
}

/**
 * Watches a machine link's socket: ends it at a connect error that retrying cannot fix, and
 * reconnects after a server-side disconnect (a manager shutting down, or a newer link of ours),
 * which Socket.IO leaves to the application.
 */
export function superviseLink<Listen extends object, Emit extends object>(
  socket: Socket<Listen, Emit>,
  endpoint: ManagerEndpoint,
  supervisor: LinkSupervisor,
): void {
  socket.on('connect_error', (error) => {
    const code = refusalCode(error)
    // A certificate that is not the expected one will not become so by retrying.
    const failure = code !== undefined ? { code, message: error.message } : describeTlsFailure(error, endpoint)
    if (failure) {
      socket.disconnect()
      supervisor.fatal(failure.code, failure.message)
      return
    }
    supervisor.retrying?.(connectErrorCause(error))
  })
  socket.on('disconnect', (reason) => {
    if (reason !== 'io server disconnect' || supervisor.ended()) return
    setTimeout(() => !supervisor.ended() && socket.connect(), 250 + Math.random() * 500)
  })
}

/** The part of a link's socket `syncAndDisconnect` uses. */
interface SyncingSocket {
  readonly connected: boolean
  timeout(ms: number): { emitWithAck(event: 'link:sync'): Promise<unknown> }
  disconnect(): unknown
}

/**
 * Closes a link without losing its last frames: the manager handles events a tick after they
 * arrive but a disconnect at once, so wait (at most `timeoutMs`) until it has answered a
 * `link:sync` sent after them.
 */
export async function syncAndDisconnect(socket: SyncingSocket, timeoutMs: number): Promise<void> {
  if (socket.connected) {
    await socket
      .timeout(timeoutMs)
      .emitWithAck('link:sync')
      .catch(() => undefined)
  }
  socket.disconnect()
}
