import { createServer, type Server, type Socket } from 'node:net'
import type { Server as HttpsServer } from 'node:https'
import { TLS_REQUIRED_STATUS } from '../protocol/tls-connect.js'

/** A TLS record starts with this content type (handshake). */
const TLS_HANDSHAKE = 0x16
/** A connection that has sent nothing after this long is closed. */
const FIRST_BYTE_TIMEOUT_MS = 10_000

/**
 * One port for a TLS-only manager: a connection whose first byte opens a TLS handshake goes to
 * `secure`; anything else (plain HTTP or WebSocket) gets a plain answer (status 497, as nginx's) saying how to connect,
 * and is closed, so a misconfigured agent or browser learns why at once instead of seeing a reset.
 *
 * @example
 * ```ts
 * const listener = tlsOnlyListener(https.createServer({ cert, key }, routes), 'use https://')
 * listener.listen(8000)
 * ```
 */
export function tlsOnlyListener(secure: HttpsServer, plainAnswer: string): Server & { destroyConnections(): void } {
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
      if (first[0] === TLS_HANDSHAKE) {
        socket.removeAllListeners('error')
        secure.emit('connection', socket)
        return
      }
      answerPlain(socket, plainAnswer)
    })
  })
  return Object.assign(listener, {
    /** Ends every connection this port accepted, TLS ones included (closing waits for them). */
    destroyConnections() {
      for (const socket of sockets) socket.destroy()
    },
  })
}

function answerPlain(socket: Socket, message: string): void {
  const body = JSON.stringify({ code: 'TLS_MISMATCH', message }) + '\n'
  socket.end(
    `HTTP/1.1 ${TLS_REQUIRED_STATUS} HTTP Request Sent to HTTPS Port\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  )
  // Whatever else the peer sends is not read.
  socket.on('data', () => undefined)
  socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy())
}
