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
 * WebSocket messages that move a connection's packets to its data link (protocol/data-link.ts).
 * An offer (manager to peer) is the tag and a ticket; a switch (either way) is the tag alone and
 * means "every packet after this one comes on the data link".
 */
export const DATA_LINK_OFFER_TAG = 0x02
export const DATA_LINK_SWITCH_TAG = 0x03
/** The switch message, as sent. */
export const DATA_LINK_SWITCH: Buffer = Buffer.from([DATA_LINK_SWITCH_TAG])

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
 * With `prefix`, the message starts that many bytes into the returned buffer, for a carrier's own
 * header (the data link's length) in front of it.
 */
export function encodeBytesEvent(nsp: string, event: string, bytes: Uint8Array, prefix = 0): Buffer | undefined {
  if (!isShortText(nsp) || !isShortText(event)) return undefined
  const headerLength = 3 + nsp.length + event.length
  const room = headrooms.get(bytes)
  if (room !== undefined && room >= prefix + headerLength) {
    // Once only: a second encoding of the same frame must not rewrite bytes a socket may still hold.
    headrooms.delete(bytes)
    const start = bytes.byteOffset - headerLength - prefix
    const out = Buffer.from(bytes.buffer, start, prefix + headerLength + bytes.byteLength)
    writeBytesEventHeader(out.subarray(prefix), nsp, event)
    return out
  }
  const out = Buffer.allocUnsafe(prefix + headerLength + bytes.byteLength)
  out.set(bytes, prefix + writeBytesEventHeader(out.subarray(prefix), nsp, event))
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

  /**
   * Called with the ticket when the manager offers this connection a data link. Without it the
   * offer is ignored and the connection stays on its WebSocket. Cleared with the connection
   * (`destroy`).
   */
  onDataLinkOffer: ((ticket: string) => void) | undefined = undefined
  /** 'offered': a peer was offered a data link; 'attached': the link is open on this side. */
  #dataLink: 'none' | 'offered' | 'attached' = 'none'
  /** The other side sent its switch: every later packet comes on the data link. */
  #switched = false
  /** Data-link frames that came before the other side's switch, and how to resume reading. */
  #held: Buffer[] = []
  #resumeDataLink: (() => void) | undefined

  /** A message received on the WebSocket. */
  add(chunk: unknown): void {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('expected a binary packet')
    // After its switch the other side sends nothing more on the WebSocket but heartbeats.
    if (this.#switched) throw new TypeError('a packet on the WebSocket after the switch to the data link')
    if (chunk[0] === DATA_LINK_OFFER_TAG) return this.#offered(chunk)
    if (chunk[0] === DATA_LINK_SWITCH_TAG) return this.#switch(chunk)
    this.#packet(chunk)
  }

  /**
   * The data link of this connection is open: `addFromDataLink` may be called from now on, and
   * `resume` restarts its reading once frames that had to wait can be handled.
   */
  attachDataLink(resume: () => void): void {
    if (this.#dataLink === 'attached') throw new Error('a data link is already attached')
    this.#dataLink = 'attached'
    this.#resumeDataLink = resume
  }

  /**
   * A frame received on the data link. False when it must wait for the other side's switch (it
   * is kept, in order): the caller stops reading until `resume` is called.
   */
  addFromDataLink(frame: Buffer): boolean {
    if (this.#dataLink !== 'attached') throw new Error('no data link is attached')
    if (frame[0] === DATA_LINK_OFFER_TAG || frame[0] === DATA_LINK_SWITCH_TAG)
      throw new TypeError('a link message on the data link')
    if (!this.#switched || this.#held.length > 0) {
      this.#held.push(frame)
      return false
    }
    this.#packet(frame)
    return true
  }

  #offered(chunk: Uint8Array): void {
    const offered = this.onDataLinkOffer
    if (this.#dataLink !== 'none') throw new TypeError('unexpected data link offer')
    if (offered === undefined) return
    const ticket = Buffer.from(chunk.buffer, chunk.byteOffset + 1, chunk.byteLength - 1).toString('latin1')
    if (!/^[\w-]{16,64}$/.test(ticket)) throw new TypeError('malformed data link offer')
    this.#dataLink = 'offered'
    offered(ticket)
  }

  #switch(chunk: Uint8Array): void {
    // A peer switches after its link is attached; the manager's switch may reach a peer first.
    if (chunk.byteLength !== 1 || this.#dataLink === 'none') throw new TypeError('unexpected data link switch')
    this.#switched = true
    const held = this.#held
    this.#held = []
    for (const frame of held) this.#packet(frame)
    if (held.length > 0) this.#resumeDataLink?.()
  }

  #packet(chunk: Uint8Array): void {
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
    // socket.io-client keeps one decoder across reconnects: each connection starts on its WebSocket.
    this.onDataLinkOffer = undefined
    this.#dataLink = 'none'
    this.#switched = false
    this.#held = []
    this.#resumeDataLink = undefined
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
