import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import { createServer, type Server, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { HEALTH_ROUTE } from '../protocol/index.js'
import { TLS_REQUIRED_STATUS } from '../protocol/tls-connect.js'

/** A TLS record starts with this content type (handshake). */
const TLS_HANDSHAKE = 0x16
/** A connection that has sent nothing after this long is closed. */
const FIRST_BYTE_TIMEOUT_MS = 10_000

/**
 * One port for a TLS-only manager: a connection whose first byte opens a TLS handshake goes to
 * `secure`; any other goes to a plain door that answers `GET /health` (it holds no secret, and
 * container and load-balancer probes speak plain HTTP) and everything else, WebSocket upgrades
 * included, with status 497 and a message saying how to connect. A misconfigured agent or browser
 * learns why at once instead of seeing a reset.
 *
 * @example
 * ```ts
 * const listener = tlsOnlyListener(https.createServer({ cert, key }, routes), routes, 'use https://')
 * listener.listen(8000)
 * ```
 */
export function tlsOnlyListener(
  secure: HttpsServer,
  health: RequestListener,
  plainMessage: string,
): Server & { destroyConnections(): void } {
  const plain = plainDoor(health, plainMessage)
  const sockets = new Set<Socket>()
  const listener = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy())
    socket.on('error', () => socket.destroy())
    socket.once('readable', () => {
      socket.setTimeout(0)
      const first = socket.read(1) as Buffer | null
      if (first === null) return void socket.destroy()
      socket.unshift(first)
      socket.removeAllListeners('error')
      ;(first[0] === TLS_HANDSHAKE ? secure : plain).emit('connection', socket)
    })
  })
  return Object.assign(listener, {
    /** Ends every connection this port accepted, TLS ones included (closing waits for them). */
    destroyConnections() {
      for (const socket of sockets) socket.destroy()
    },
  })
}

function plainDoor(health: RequestListener, message: string): HttpServer {
  const body = JSON.stringify({ code: 'TLS_MISMATCH', message }) + '\n'
  const door = createHttpServer((request, response) => {
    if (new URL(request.url ?? '/', 'http://plain.invalid').pathname === HEALTH_ROUTE) return health(request, response)
    response.writeHead(TLS_REQUIRED_STATUS, 'HTTP Request Sent to HTTPS Port', {
      'content-type': 'application/json',
      connection: 'close',
    })
    response.end(body)
  })
  door.headersTimeout = 10_000
  door.requestTimeout = 10_000
  door.on('upgrade', (_request, socket: Duplex) => {
    socket.on('error', () => undefined)
    socket.end(
      `HTTP/1.1 ${TLS_REQUIRED_STATUS} HTTP Request Sent to HTTPS Port\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
    setTimeout(() => socket.destroy(), 1000).unref()
  })
  return door
}
