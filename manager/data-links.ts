/**
 * The manager's side of the data links (protocol/data-link.ts): offers each authenticated machine
 * connection a ticket, and moves the connection to the link its peer opens with it.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Socket } from 'socket.io'
import { DATA_LINK_UPGRADE, DataLink, closeEngine } from '../protocol/data-link.js'
import { DATA_LINK_OFFER_TAG, DATA_LINK_SWITCH, Decoder } from '../protocol/packet-codec.js'

/** What is used of an Engine.IO server-side connection. */
interface EngineConnection {
  readyState: string
  write(data: unknown, options?: unknown, callback?: unknown): unknown
  send(data: unknown, options?: unknown, callback?: unknown): unknown
  close(discard?: boolean): unknown
  once(event: 'close', listener: () => void): unknown
}

interface Offer {
  connection: EngineConnection
  decoder: Decoder
}

/** Offers data links and accepts them (`accept` is the upgrade gate's handler for `SOCKET_PATHS.data`). */
export class DataLinkServer {
  readonly #maxMessageBytes: number
  readonly #offers = new Map<string, Offer>()
  readonly #offered = new WeakSet<object>()
  #open = 0

  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes
  }

  /** Offers the connection of `socket` (a machine namespace's, just authenticated) a data link, once per connection. */
  offer(socket: Socket): void {
    const client = socket.client as unknown as { conn?: EngineConnection; decoder?: unknown }
    const connection = client.conn
    if (connection === undefined || !(client.decoder instanceof Decoder) || this.#offered.has(client)) return
    if (connection.readyState !== 'open') return
    this.#offered.add(client)
    const ticket = randomBytes(24).toString('base64url')
    this.#offers.set(ticket, { connection, decoder: client.decoder })
    connection.once('close', () => this.#offers.delete(ticket))
    connection.write(Buffer.concat([Buffer.from([DATA_LINK_OFFER_TAG]), Buffer.from(ticket, 'latin1')]))
  }

  /** Machine connections on a data link now (the others run on their WebSocket). */
  get open(): number {
    return this.#open
  }

  /**
   * Takes an upgrade to the data path (token and protocol already checked by the gate). A ticket
   * is good once, for the connection it was offered on.
   */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ticket = new URL(request.url ?? '/', 'http://link.invalid').searchParams.get('ticket') ?? ''
    const offer = this.#offers.get(ticket)
    const wanted = String(request.headers.upgrade ?? '').toLowerCase() === DATA_LINK_UPGRADE
    if (offer === undefined || !wanted || offer.connection.readyState !== 'open') {
      socket.on('error', () => undefined)
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      setTimeout(() => socket.destroy(), 1000).unref()
      return
    }
    this.#offers.delete(ticket)
    const { connection, decoder } = offer
    const write = connection.write.bind(connection)
    const close = connection.close.bind(connection)
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${DATA_LINK_UPGRADE}\r\n\r\n`)
    // The last message on the WebSocket: the peer reads the link only after it.
    write(DATA_LINK_SWITCH)
    const link = new DataLink(
      socket,
      { decoder, closeWebSocket: (reason) => closeEngine(connection, reason, close) },
      this.#maxMessageBytes,
    )
    // Socket.IO writes every packet (also broadcasts) through these two.
    connection.write = connection.send = (data: unknown) => {
      if (!(data instanceof Uint8Array)) throw new TypeError('the machine path writes binary packets only')
      link.send(data)
      return connection
    }
    connection.close = (discard?: boolean) => {
      link.end(() => close(discard))
      return connection
    }
    connection.once('close', () => link.destroy())
    this.#open += 1
    socket.once('close', () => (this.#open -= 1))
    link.start(connection, head)
  }
}
