/**
 * Direct delivery of the hot bytes events (task:submit, task:run, task:settled), both ways.
 *
 * Why: Socket.IO and Engine.IO hand every event through their per-packet paths — on receipt
 * namespace lookup, packet objects, any-event listeners, a middleware runner and a tick of its own;
 * on sending packet and option objects, a write buffer, flush events and a callback per message —
 * which cost more per lone task than the frame's own reading and writing.
 * - Receiving: the machine codec's decoder delivers a routed bytes event itself. Every other
 *   event, and the same event sent in any other encoding, still goes through Socket.IO and its
 *   validation. The decoder keeps the order a peer sent its events in (see `Decoder.routes`).
 * - Sending: on a connection with a data link (protocol/data-link.ts) a bytes event is written to
 *   the link, where every packet of the connection travels in order. Without one, it is written as
 *   the one WebSocket message it is anyway (an Engine.IO binary message is its bytes as they are),
 *   straight to the connection's WebSocket — but only
 *   when nothing of Engine.IO's is waiting to be written; otherwise it goes through Socket.IO
 *   behind it. Either way messages leave in the order they were emitted.
 *
 * Both sides reach the decoder and the WebSocket through fields the libraries keep private. If
 * they are not there, or not as expected, events simply take Socket.IO's path as before.
 */
import type { Socket as ServerSocket } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { DATA_LINK_LENGTH_BYTES, dataLinkOf } from './data-link.js'
import { Decoder, encodeBytesEvent, type DirectHandler } from './packet-codec.js'

/** What is used of a `ws` WebSocket. */
interface WebSocketLike {
  readonly readyState: number
  send(data: Buffer, options: { binary: boolean; compress: boolean }): void
}
const WEBSOCKET_OPEN = 1

/** The WebSocket under an Engine.IO connection (server or client side) when a message may go straight to it now. */
function idleWebSocket(connection: unknown, webSocketField: 'socket' | 'ws'): WebSocketLike | undefined {
  const engine = connection as
    | {
        readyState?: string
        upgrading?: boolean
        writeBuffer?: { length: number }
        transport?: { name?: string; writable?: boolean; socket?: unknown; ws?: unknown }
      }
    | undefined
  const transport = engine?.transport
  if (
    engine?.readyState !== 'open' ||
    engine.upgrading === true ||
    engine.writeBuffer?.length !== 0 ||
    transport?.name !== 'websocket' ||
    transport.writable !== true
  )
    return undefined
  const webSocket = transport[webSocketField] as Partial<WebSocketLike> | undefined
  return webSocket?.readyState === WEBSOCKET_OPEN && typeof webSocket.send === 'function'
    ? (webSocket as WebSocketLike)
    : undefined
}

/** Writes a bytes event to the connection's data link; false when it has none or the event cannot be encoded so. */
function sendOnLink(connection: unknown, nsp: string, event: string, frame: Uint8Array): boolean {
  const link = dataLinkOf(connection)
  if (link === undefined) return false
  const framed = encodeBytesEvent(nsp, event, frame, DATA_LINK_LENGTH_BYTES)
  if (framed === undefined) return false
  link.sendFramed(framed)
  return true
}

/** Writes a bytes event straight to `webSocket`; false when it cannot be encoded so. */
function sendDirect(webSocket: WebSocketLike | undefined, nsp: string, event: string, frame: Uint8Array): boolean {
  if (webSocket === undefined) return false
  const message = encodeBytesEvent(nsp, event, frame)
  if (message === undefined) return false
  webSocket.send(message, { binary: true, compress: false })
  return true
}

/**
 * Server side: emits a bytes event (`socket.emit(event, frame)`) on the shortest path that keeps
 * the order of everything this socket emits.
 *
 * @example
 * ```ts
 * emitDirect(socket, 'task:run', finishForPacket(writer))
 * ```
 */
export function emitDirect(socket: ServerSocket, event: string, frame: Uint8Array): void {
  if (!socket.connected) return void socket.emit(event, frame)
  const connection = socket.client.conn
  // On a data link every packet travels in order on it; otherwise on the WebSocket when it is idle.
  if (sendOnLink(connection, socket.nsp.name, event, frame)) return
  if (!sendDirect(idleWebSocket(connection, 'socket'), socket.nsp.name, event, frame)) socket.emit(event, frame)
}

/**
 * Client side: as `emitDirect`, for a connected socket.io-client socket of namespace `nsp`.
 *
 * @example
 * ```ts
 * emitDirectClient(socket, '/node', 'task:settled', finishForPacket(writer))
 * ```
 */
export function emitDirectClient(socket: ClientSocket, nsp: string, event: string, frame: Uint8Array): void {
  const engine = socket.io.engine as unknown as { _hasPingExpired?: () => boolean } | undefined
  // socket.emit holds a packet for the next connection once the server's pings stopped coming (a
  // stalled event loop): the same check, so a hot frame never overtakes it on a dying connection.
  const live = socket.connected && engine?._hasPingExpired?.() === false
  if (!live) return void socket.emit(event, frame)
  if (
    !sendOnLink(socket.io.engine, nsp, event, frame) &&
    !sendDirect(idleWebSocket(socket.io.engine, 'ws'), nsp, event, frame)
  )
    socket.emit(event, frame)
}

function decoderOf(owner: unknown): Decoder | undefined {
  const decoder = (owner as { decoder?: unknown } | undefined)?.decoder
  return decoder instanceof Decoder ? decoder : undefined
}

function route(decoder: Decoder, nsp: string, event: string, handler: DirectHandler): void {
  let events = decoder.routes.get(nsp)
  if (events === undefined) decoder.routes.set(nsp, (events = new Map<string, DirectHandler>()))
  events.set(event, (bytes) => {
    try {
      handler(bytes)
    } catch (error) {
      // As from a Socket.IO listener (called on a tick of its own): not a parse error of the link.
      process.nextTick(() => {
        throw error
      })
    }
  })
}

function unroute(decoder: Decoder, nsp: string, event: string): void {
  const events = decoder.routes.get(nsp)
  events?.delete(event)
  if (events?.size === 0) decoder.routes.delete(nsp)
}

/**
 * Server side: `handler` receives `event` on this connected socket, straight from its connection's
 * decoder for bytes frames, and through Socket.IO for anything else.
 *
 * @example
 * ```ts
 * namespace.on('connection', (socket) => onDirectEvent(socket, 'task:submit', (input) => submit(input)))
 * ```
 */
export function onDirectEvent(socket: ServerSocket, event: string, handler: (input: unknown) => void): void {
  socket.on(event, handler)
  const decoder = decoderOf(socket.client)
  if (decoder === undefined || !socket.connected) return
  const nsp = socket.nsp.name
  // Socket.IO drops what arrives after a disconnect; so does the route.
  route(decoder, nsp, event, (bytes) => socket.connected && handler(bytes))
  socket.once('disconnect', () => unroute(decoder, nsp, event))
}

/**
 * Client side: as `onDirectEvent`, for a socket.io-client socket of namespace `nsp`. The route
 * follows the socket's connections: set on each connect, removed on each disconnect.
 *
 * @example
 * ```ts
 * onDirectClientEvent(socket, '/node', 'task:run', (input) => run(input))
 * ```
 */
export function onDirectClientEvent(
  socket: ClientSocket,
  nsp: string,
  event: string,
  handler: (input: unknown) => void,
): void {
  socket.on(event, handler)
  const decoder = decoderOf(socket.io)
  if (decoder === undefined) return
  const direct: DirectHandler = (bytes) => socket.connected && handler(bytes)
  socket.on('connect', () => route(decoder, nsp, event, direct))
  socket.on('disconnect', () => unroute(decoder, nsp, event))
  if (socket.connected) route(decoder, nsp, event, direct)
}
