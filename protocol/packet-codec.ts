/**
 * A Socket.IO parser that carries each packet as one V8-serialized binary frame.
 *
 * Why: the default parser sends every Buffer inside a packet as its own WebSocket frame, so a
 * batch of 1,000 tasks (each with its own argument bytes) would cost 1,001 frames. Here a batch
 * is one frame, encoded and decoded natively, and the bytes inside stay opaque. Used on the
 * machine path (clients and agents); browsers use the default parser on the control path.
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
 * Event names Socket.IO keeps for itself (socket.io-parser refuses them on the wire), plus `error`
 * (an EventEmitter throws when one is emitted with no listener). A peer that
 * sends one must not trigger the receiver's own `disconnect` handling: the decoder renames it with
 * this prefix, so it reaches the namespace as an unknown event and is answered with BAD_REQUEST.
 */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener', 'error'])
export const RESERVED_EVENT_PREFIX = 'reserved:'

interface Packet {
  type: number
  nsp: string
  data?: unknown
  id?: number
}

export class Encoder {
  encode(packet: Packet): Buffer[] {
    const plain: Packet = { type: packet.type, nsp: packet.nsp }
    if (packet.data !== undefined) plain.data = packet.data
    if (packet.id !== undefined) plain.id = packet.id
    return [serialize(plain)]
  }
}

export class Decoder extends EventEmitter {
  add(chunk: unknown): void {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('expected a binary packet')
    const packet: unknown = deserialize(chunk)
    if (!isPacket(packet)) throw new TypeError('invalid packet')
    if (packet.type === EVENT) {
      const data = packet.data as unknown[]
      if (RESERVED_EVENTS.has(data[0] as string)) data[0] = `${RESERVED_EVENT_PREFIX}${data[0] as string}`
    }
    // socket.io 4 only knows EVENT/ACK; BINARY_* never occur with this codec.
    this.emit('decoded', packet)
  }

  destroy(): void {
    this.removeAllListeners()
  }
}

function isPacket(value: unknown): value is Packet {
  if (typeof value !== 'object' || value === null) return false
  const packet = value as Record<string, unknown>
  if (typeof packet.nsp !== 'string' || !packet.nsp.startsWith('/')) return false
  if (packet.id !== undefined && !(Number.isInteger(packet.id) && (packet.id as number) >= 0)) return false
  switch (packet.type) {
    case CONNECT:
      return packet.data === undefined || (typeof packet.data === 'object' && packet.data !== null && !Array.isArray(packet.data))
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
