/**
 * Direct delivery of the hot bytes events (task:submit, task:run, task:settled).
 *
 * Why: Socket.IO hands every received event through its per-packet path — namespace lookup,
 * packet objects, any-event listeners, a middleware runner and a tick of its own — which cost more
 * per lone task than the frame's own reading. The machine codec's decoder can deliver a routed
 * bytes event itself instead; every other event, and the same event sent in any other encoding,
 * still goes through Socket.IO and its validation. The decoder keeps the order a peer sent its
 * events in (see `Decoder.routes`).
 *
 * Both sides reach the decoder through a field Socket.IO keeps private. If it is not there, or is
 * not the machine codec's, the event is simply delivered by Socket.IO as before.
 */
import type { Socket as ServerSocket } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { Decoder, type DirectHandler } from './packet-codec.js'

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
