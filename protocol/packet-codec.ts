/**
 * A Socket.IO parser that carries each packet as one binary frame.
 *
 * Why: the default parser sends every Buffer inside a packet as its own WebSocket frame. Here a
 * packet is one frame. The hot packets — an event whose one argument is a batch frame of bytes
 * (task:submit, task:run, task:settled) — are a 3-byte header, the namespace, the event name and
 * the bytes as they are: no serializer object, no per-packet callback. Every other packet is
 * V8-serialized. Used on the machine path (clients and agents); browsers use the default parser
 * on the control path.
 */
import { EventEmitter } from 'node:events'
import { deserialize, serialize } from 'node:v8'

/** Socket.IO packet types (socket.io-parser's PacketType). */
const CONNECT = 0
const DISCONNECT = 1
const EVENT = 2
const ACK = 3
const CONNECT_ERROR = 4

/**
 * First byte of a bytes-event frame. A V8-serialized frame starts with its version tag 0xFF, so
 * the two never mix. Layout: tag · u8 namespace length · namespace · u8 event length · event · bytes.
 */
const BYTES_EVENT_TAG = 0x01
const MAX_SHORT_TEXT = 255

/**
 * Event names Socket.IO keeps for itself (socket.io-parser refuses them on the wire), plus `error`
 * (an EventEmitter throws when one is emitted with no listener). A peer that
 * sends one must not trigger the receiver's own `disconnect` handling: the decoder renames it with
 * this prefix, so it reaches the namespace as an unknown event and is answered with BAD_REQUEST.
 */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
  'error',
])
export const RESERVED_EVENT_PREFIX = 'reserved:'

interface Packet {
  type: number
  nsp: string
  data?: unknown
  id?: number
}

/** Names already found to be short text: a hot frame's namespace and event are checked once. */
const knownShortTexts = new Set<string>()

/** Latin-1 text of at most 255 characters (event names and namespaces are ASCII). */
function isShortText(text: string): boolean {
  if (knownShortTexts.has(text)) return true
  const short =
    text.length <= MAX_SHORT_TEXT && Buffer.byteLength(text, 'latin1') === text.length && !/[^\x20-\x7e]/.test(text)
  // Bounded, though only this process's own event names and namespaces come here.
  if (short && knownShortTexts.size < 64) knownShortTexts.add(text)
  return short
}

/** Bytes a frame writer leaves in front of a hot frame for its packet header (`finishForPacket`). */
export const PACKET_HEADROOM = 32

/** Frames with free bytes in front of them, and how many: each is used once, for one header. */
const headrooms = new WeakMap<Uint8Array, number>()

/**
 * Finishes a frame writer's frame with room for its packet header in front, for
 * `socket.emit(event, frame)`: the encoder writes the header into that room and sends header and
 * frame as one view of the same memory, so a large frame is not copied once more.
 *
 * @example
 * ```ts
 * socket.emit('task:run', finishForPacket(writer))
 * ```
 */
export function finishForPacket(writer: { finish(headroom: number): Buffer }): Buffer {
  const frame = writer.finish(PACKET_HEADROOM).subarray(PACKET_HEADROOM)
  headrooms.set(frame, PACKET_HEADROOM)
  return frame
}

/** Writes tag · namespace · event at the start of `out`; returns the header's length. */
function writeBytesEventHeader(out: Buffer, nsp: string, event: string): number {
  out[0] = BYTES_EVENT_TAG
  out[1] = nsp.length
  let at = 2 + out.write(nsp, 2, 'latin1')
  out[at++] = event.length
  return at + out.write(event, at, 'latin1')
}

/**
 * A bytes-event packet (`socket.emit(event, bytes)` with one byte-array argument) as the one
 * binary message it travels as; undefined when the namespace or event name is not short Latin-1
 * text. The header goes into a frame's headroom (finishForPacket) when it has some: no copy.
 */
export function encodeBytesEvent(nsp: string, event: string, bytes: Uint8Array): Buffer | undefined {
  if (!isShortText(nsp) || !isShortText(event)) return undefined
  const headerLength = 3 + nsp.length + event.length
  const room = headrooms.get(bytes)
  if (room !== undefined && room >= headerLength) {
    // Once only: a second encoding of the same frame must not rewrite bytes a socket may still hold.
    headrooms.delete(bytes)
    const out = Buffer.from(bytes.buffer, bytes.byteOffset - headerLength, headerLength + bytes.byteLength)
    writeBytesEventHeader(out, nsp, event)
    return out
  }
  const out = Buffer.allocUnsafe(headerLength + bytes.byteLength)
  out.set(bytes, writeBytesEventHeader(out, nsp, event))
  return out
}

export class Encoder {
  encode(packet: Packet): Buffer[] {
    const data = packet.data
    if (
      packet.type === EVENT &&
      packet.id === undefined &&
      Array.isArray(data) &&
      data.length === 2 &&
      typeof data[0] === 'string' &&
      data[1] instanceof Uint8Array
    ) {
      const out = encodeBytesEvent(packet.nsp, data[0], data[1])
      if (out !== undefined) return [out]
    }
    const plain: Packet = { type: packet.type, nsp: packet.nsp }
    if (packet.data !== undefined) plain.data = packet.data
    if (packet.id !== undefined) plain.id = packet.id
    return [serialize(plain)]
  }
}

/** Handles a routed bytes event: the bytes are a view of the received frame. */
export type DirectHandler = (bytes: Buffer) => void

export class Decoder extends EventEmitter {
  /**
   * Bytes events this decoder delivers itself, by namespace then event name (see direct-events.ts):
   * the hot frames skip Socket.IO's per-packet path (namespace lookup, packet objects, any-event
   * listeners, middleware runner, a tick per event).
   */
  readonly routes = new Map<string, Map<string, DirectHandler>>()
  /**
   * Whether a packet handed to Socket.IO may not have reached its handler yet. Socket.IO delivers
   * on later ticks (the server after two, the client after one); while that may be pending, routed
   * events take Socket.IO's path too, behind it, so events are handled in the order the peer sent
   * them. The check phase (setImmediate) comes after every tick queued before it.
   */
  #socketIoPending = false
  readonly #socketIoDelivered = (): void => {
    this.#socketIoPending = false
  }

  add(chunk: unknown): void {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('expected a binary packet')
    const bytesEvent = chunk[0] === BYTES_EVENT_TAG
    const packet: unknown = bytesEvent ? readBytesEvent(chunk) : deserialize(chunk)
    if (bytesEvent && !this.#socketIoPending && this.#routed(packet as Packet)) return
    if (!isPacket(packet)) throw new TypeError('invalid packet')
    if (packet.type === EVENT) {
      const data = packet.data as unknown[]
      if (RESERVED_EVENTS.has(data[0] as string)) data[0] = `${RESERVED_EVENT_PREFIX}${data[0] as string}`
    }
    if (!this.#socketIoPending) {
      this.#socketIoPending = true
      setImmediate(this.#socketIoDelivered)
    }
    // socket.io 4 only knows EVENT/ACK; BINARY_* never occur with this codec.
    this.emit('decoded', packet)
  }

  /** Delivers a bytes event (as readBytesEvent reads it) with a route; false when it has none (Socket.IO then handles it). */
  #routed(packet: Packet): boolean {
    if (this.routes.size === 0) return false
    const [event, bytes] = packet.data as [string, Buffer]
    const handler = this.routes.get(packet.nsp)?.get(event)
    if (handler === undefined) return false
    handler(bytes)
    return true
  }

  destroy(): void {
    this.removeAllListeners()
    this.routes.clear()
  }
}

/** A bytes-event frame as a packet; the bytes are a view of the frame (no copy). */
function readBytesEvent(chunk: Uint8Array): Packet {
  const frame = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  const nspLength = frame[1]
  if (nspLength === undefined || 2 + nspLength >= frame.length) throw new TypeError('truncated packet')
  const nsp = frame.toString('latin1', 2, 2 + nspLength)
  const eventLength = frame[2 + nspLength]!
  const eventAt = 3 + nspLength
  if (eventAt + eventLength > frame.length) throw new TypeError('truncated packet')
  const event = frame.toString('latin1', eventAt, eventAt + eventLength)
  return { type: EVENT, nsp, data: [event, frame.subarray(eventAt + eventLength)] }
}

function isPacket(value: unknown): value is Packet {
  if (typeof value !== 'object' || value === null) return false
  const packet = value as Record<string, unknown>
  if (typeof packet.nsp !== 'string' || !packet.nsp.startsWith('/')) return false
  if (packet.id !== undefined && !(Number.isInteger(packet.id) && (packet.id as number) >= 0)) return false
  switch (packet.type) {
    case CONNECT:
      return (
        packet.data === undefined ||
        (typeof packet.data === 'object' && packet.data !== null && !Array.isArray(packet.data))
      )
    case DISCONNECT:
      return packet.data === undefined
    case CONNECT_ERROR:
      return typeof packet.data === 'string' || (typeof packet.data === 'object' && packet.data !== null)
    case EVENT:
      return Array.isArray(packet.data) && packet.data.length > 0 && typeof packet.data[0] === 'string'
    case ACK:
      return Array.isArray(packet.data) && packet.id !== undefined
    default:
      return false
  }
}

/** Pass as `parser` to a Socket.IO Server or client on the machine path. */
export const packetCodec = { Encoder, Decoder }
