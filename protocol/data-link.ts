/**
 * A machine connection's data link: a second TCP (or TLS) connection to the manager's port that
 * carries every Socket.IO packet of the connection once both sides have switched to it, while the
 * WebSocket keeps only Engine.IO's heartbeats.
 *
 * Why: Engine.IO and `ws` cost about a third of each hop of a lone task (framing, masking, a
 * stream per message, a packet object and events per message). On the data link a packet is a
 * 4-byte length and the message the WebSocket would have carried, written with one system call.
 *
 * How a connection moves (each side switches on its own, and order is kept both ways):
 * 1. The manager offers a ticket on the WebSocket, once the peer's namespace connection is
 *    authenticated.
 * 2. The peer opens `SOCKET_PATHS.data` with an HTTP upgrade that shows the token and the ticket.
 * 3. The manager answers 101, sends a switch message on the WebSocket, and from then on writes
 *    every packet to the link. The peer, on the 101, does the same.
 * 4. A receiver holds link frames until the sender's switch arrives on the WebSocket, so nothing
 *    sent on the link overtakes what was sent before the switch.
 * A connection whose link cannot be opened (an old proxy, a refused upgrade) stays on its
 * WebSocket. Closing either side's link or WebSocket closes the connection, after what was written
 * before the close has been read.
 */
import type { Duplex } from 'node:stream'
import type { Decoder } from './packet-codec.js'

/** Bytes of the length in front of every data-link message. */
export const DATA_LINK_LENGTH_BYTES = 4
/** The `Upgrade` header value that asks for a data link. */
export const DATA_LINK_UPGRADE = 'argon-data'
/** How long a closing side waits for the other to finish reading before it closes the WebSocket. */
const LINGER_MS = 1000

/** Raised on a malformed link stream: the connection is closed. */
export class DataLinkError extends Error {
  readonly code = 'BAD_REQUEST'
  constructor(message: string) {
    super(message)
    this.name = 'DataLinkError'
  }
}

/**
 * Splits a data link's byte stream into its messages (`u32 length · message`). A message inside
 * one received chunk is a view of it; one spread over chunks is joined once, when complete.
 *
 * @example
 * ```ts
 * const reader = new LinkFrameReader(MAX_FRAME_BYTES)
 * socket.on('data', (chunk) => reader.push(chunk, (message) => decoder.addFromDataLink(message)))
 * ```
 */
export class LinkFrameReader {
  readonly #maxMessageBytes: number
  readonly #length = Buffer.alloc(DATA_LINK_LENGTH_BYTES)
  #lengthFill = 0
  #parts: Buffer[] = []
  #partsBytes = 0
  #need = 0

  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes
  }

  /** Reads `chunk`, calling `onMessage` for each message it completes, in order; throws DataLinkError on a bad length. */
  push(chunk: Buffer, onMessage: (message: Buffer) => void): void {
    let at = 0
    while (at < chunk.length) {
      if (this.#need === 0) {
        let length: number
        if (this.#lengthFill === 0 && chunk.length - at >= DATA_LINK_LENGTH_BYTES) {
          length = chunk.readUInt32BE(at)
          at += DATA_LINK_LENGTH_BYTES
        } else {
          const take = Math.min(DATA_LINK_LENGTH_BYTES - this.#lengthFill, chunk.length - at)
          chunk.copy(this.#length, this.#lengthFill, at, at + take)
          this.#lengthFill += take
          at += take
          if (this.#lengthFill < DATA_LINK_LENGTH_BYTES) return
          this.#lengthFill = 0
          length = this.#length.readUInt32BE(0)
        }
        if (length === 0 || length > this.#maxMessageBytes)
          throw new DataLinkError(`a data-link message of ${length} bytes (at most ${this.#maxMessageBytes})`)
        if (chunk.length - at >= length) {
          onMessage(chunk.subarray(at, at + length))
          at += length
          continue
        }
        this.#need = length
      }
      const take = Math.min(this.#need - this.#partsBytes, chunk.length - at)
      this.#parts.push(chunk.subarray(at, at + take))
      this.#partsBytes += take
      at += take
      if (this.#partsBytes < this.#need) return
      const message = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#need)
      this.#parts = []
      this.#partsBytes = 0
      this.#need = 0
      onMessage(message)
    }
  }

  /** Whether the stream stopped in the middle of a message. */
  get partial(): boolean {
    return this.#lengthFill > 0 || this.#need > 0
  }
}

/** The length in front of `message`, written into its first DATA_LINK_LENGTH_BYTES (which the caller left free). */
export function writeLinkLength(framed: Buffer): Buffer {
  framed.writeUInt32BE(framed.length - DATA_LINK_LENGTH_BYTES, 0)
  return framed
}

/** Why a link closed its connection, in Engine.IO's words. */
export type LinkCloseReason = 'transport close' | 'transport error' | 'parse error'

/**
 * Closes an Engine.IO connection (either side's) with `reason`, as a failure of its transport
 * would, through the private `onClose` / `_onClose` both keep; `close()` where neither exists.
 */
export function closeEngine(connection: object, reason: LinkCloseReason, close: () => void): void {
  const fields = connection as { onClose?: unknown; _onClose?: unknown }
  const onClose = typeof fields.onClose === 'function' ? fields.onClose : fields._onClose
  if (typeof onClose === 'function') (onClose as (reason: string) => void).call(connection, reason)
  else close()
}

/** What a data link needs of the connection it carries. */
export interface LinkedConnection {
  /** The decoder of the connection's packets. */
  readonly decoder: Decoder
  /**
   * Closes the connection because its link ended (`reason` is the disconnect reason Socket.IO
   * reports, as if the WebSocket itself had failed so).
   */
  closeWebSocket(reason: LinkCloseReason): void
}

/** Data links by the Engine.IO connection (server side) or socket (client side) they carry. */
const links = new WeakMap<object, DataLink>()

/** The open data link of an Engine.IO connection, if it has one. */
export function dataLinkOf(connection: unknown): DataLink | undefined {
  return typeof connection === 'object' && connection !== null ? links.get(connection) : undefined
}

/**
 * One side of an open data link. Sends each message with its length in one write; hands each
 * received message to the connection's decoder, pausing while the decoder holds them.
 */
export class DataLink {
  readonly #socket: Duplex
  readonly #connection: LinkedConnection
  readonly #reader: LinkFrameReader
  #closing = false
  #closed = false
  #failed = false

  constructor(socket: Duplex, connection: LinkedConnection, maxMessageBytes: number) {
    this.#socket = socket
    this.#connection = connection
    this.#reader = new LinkFrameReader(maxMessageBytes)
  }

  /**
   * Starts carrying `engineConnection`'s packets: registers the link, attaches it to the decoder
   * and reads `head` (bytes that came with the upgrade) and everything after.
   */
  start(engineConnection: object, head: Buffer): void {
    const socket = this.#socket
    links.set(engineConnection, this)
    const unregister = (): void => {
      if (links.get(engineConnection) === this) links.delete(engineConnection)
    }
    this.#connection.decoder.attachDataLink(() => socket.resume())
    socket.on('data', (chunk: Buffer) => this.#read(chunk))
    // The other side finished writing: what it sent has been read. Its WebSocket closes next;
    // if it does not, the connection is closed from here.
    socket.on('end', () => {
      this.#closing = true
      socket.end()
      setTimeout(() => this.#closeConnection('transport close'), LINGER_MS).unref()
    })
    socket.on('error', () => (this.#failed = true))
    socket.on('close', () => {
      unregister()
      this.#closed = true
      if (!this.#closing) this.#closeConnection(this.#failed ? 'transport error' : 'transport close')
    })
    const noDelay = (socket as Partial<{ setNoDelay(noDelay: boolean): unknown }>).setNoDelay
    noDelay?.call(socket, true)
    if (head.length > 0) this.#read(head)
  }

  /** Sends a message (a packet as the codec encoded it). Dropped once the link is closing: so is its connection. */
  send(message: Uint8Array): void {
    if (this.#closing || this.#closed) return
    const socket = this.#socket
    const length = Buffer.allocUnsafe(DATA_LINK_LENGTH_BYTES)
    length.writeUInt32BE(message.byteLength, 0)
    socket.cork()
    socket.write(length)
    socket.write(message)
    socket.uncork()
  }

  /** Sends a message that already has DATA_LINK_LENGTH_BYTES free in front of it (encodeBytesEvent's `prefix`). */
  sendFramed(framed: Buffer): void {
    if (this.#closing || this.#closed) return
    this.#socket.write(writeLinkLength(framed))
  }

  /**
   * Closes the link once the other side has read everything sent on it (at most LINGER_MS), then
   * calls `then` (which closes the WebSocket).
   */
  end(then: () => void): void {
    if (this.#closed) return then()
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      then()
    }
    this.#closing = true
    this.#socket.once('close', finish)
    this.#socket.end()
    setTimeout(() => {
      this.#socket.destroy()
      finish()
    }, LINGER_MS).unref()
  }

  /** Drops the link at once (its connection is gone). */
  destroy(): void {
    this.#closing = true
    this.#socket.destroy()
  }

  #read(chunk: Buffer): void {
    try {
      this.#reader.push(chunk, (message) => {
        if (!this.#connection.decoder.addFromDataLink(message)) this.#socket.pause()
      })
    } catch {
      // A malformed stream, or a packet its decoder refuses: as a parse error on the WebSocket.
      this.#socket.destroy()
      this.#closeConnection('parse error')
    }
  }

  #closeConnection(reason: LinkCloseReason): void {
    this.#closing = true
    this.#connection.closeWebSocket(reason)
  }
}
