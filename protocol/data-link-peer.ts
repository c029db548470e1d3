/**
 * A client's or an agent's side of the data links (protocol/data-link.ts): opens the link the
 * manager offers, with the same TLS trust and token as the WebSocket, and moves the connection's
 * packets to it. When the link cannot be opened the connection simply stays on its WebSocket.
 */
import { request as httpRequest, type Agent as HttpAgent } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Duplex } from 'node:stream'
import type { Manager } from 'socket.io-client'
import { DATA_LINK_UPGRADE, DataLink, closeEngine } from './data-link.js'
import { MAX_FRAME_BYTES } from './limits.js'
import { SOCKET_PATHS } from './namespaces.js'
import { DATA_LINK_SWITCH, Decoder } from './packet-codec.js'

/** A link that has not answered its upgrade within this long is given up (the WebSocket carries on). */
const LINK_OPEN_TIMEOUT_MS = 10_000

/** What is used of an engine.io-client socket. */
interface EngineSocket {
  readyState: string
  write(data: unknown, options?: unknown, callback?: unknown): unknown
  send(data: unknown, options?: unknown, callback?: unknown): unknown
  close(): unknown
  once(event: 'close', listener: () => void): unknown
}

/** The private parts of a socket.io-client Manager this module reads. */
interface ManagerInternals {
  engine?: EngineSocket
  decoder?: unknown
  uri: string
  opts: {
    agent?: unknown
    ca?: unknown
    rejectUnauthorized?: boolean
    extraHeaders?: Record<string, string>
  }
}

const joined = new WeakSet<object>()

/**
 * Takes every data link the manager offers on `manager`'s connections, from now on and after each
 * reconnect.
 *
 * @example
 * ```ts
 * const socket = io(`${origin}/client`, machineSocketOptions(endpoint, token, auth, 5000))
 * useDataLinks(socket.io)
 * ```
 */
export function useDataLinks(manager: Manager): void {
  if (joined.has(manager)) return
  joined.add(manager)
  const internals = manager as unknown as ManagerInternals
  const listen = (): void => {
    const engine = internals.engine
    const decoder = internals.decoder
    if (engine === undefined || !(decoder instanceof Decoder)) return
    decoder.onDataLinkOffer = (ticket) => openLink(internals, engine, decoder, ticket)
  }
  manager.on('open', listen)
  if (internals.engine?.readyState === 'open') listen()
}

function openLink(manager: ManagerInternals, engine: EngineSocket, decoder: Decoder, ticket: string): void {
  const url = new URL(`${SOCKET_PATHS.data}/?ticket=${encodeURIComponent(ticket)}`, manager.uri)
  const secure = url.protocol === 'https:' || url.protocol === 'wss:'
  url.protocol = secure ? 'https:' : 'http:'
  const { agent, ca, rejectUnauthorized, extraHeaders } = manager.opts
  const headers = { ...extraHeaders, connection: 'Upgrade', upgrade: DATA_LINK_UPGRADE }
  const options = {
    headers,
    timeout: LINK_OPEN_TIMEOUT_MS,
    // socket.io-client's default `agent: false` means a connection of its own, as here.
    ...(agent !== undefined && agent !== false ? { agent: agent as HttpAgent } : {}),
    ...(secure ? { ca: ca as string[] | undefined, rejectUnauthorized: rejectUnauthorized ?? true } : {}),
  }
  const request = (secure ? httpsRequest : httpRequest)(url, options)
  request.on('upgrade', (_response, socket: Duplex, head: Buffer) => {
    if (engine.readyState !== 'open') return void socket.destroy()
    // The request's timeout was for the upgrade; an idle link is fine (heartbeats run on the WebSocket).
    ;(socket as Partial<{ setTimeout(ms: number): unknown }>).setTimeout?.(0)
    switchToLink(engine, decoder, socket, head)
  })
  // Refused (an older manager, a proxy that does not pass it) or unreachable: stay on the WebSocket.
  request.on('response', (response) => response.resume())
  request.on('timeout', () => request.destroy())
  request.on('error', () => undefined)
  request.end()
}

function switchToLink(engine: EngineSocket, decoder: Decoder, socket: Duplex, head: Buffer): void {
  const write = engine.write.bind(engine)
  const close = engine.close.bind(engine)
  // The last message on the WebSocket: the manager reads the link only after it.
  write(DATA_LINK_SWITCH)
  const link = new DataLink(
    socket,
    { decoder, closeWebSocket: (reason) => closeEngine(engine, reason, close) },
    MAX_FRAME_BYTES,
  )
  engine.write = engine.send = (data: unknown) => {
    if (!(data instanceof Uint8Array)) throw new TypeError('the machine path writes binary packets only')
    link.send(data)
    return engine
  }
  engine.close = () => {
    link.end(() => close())
    return engine
  }
  engine.once('close', () => link.destroy())
  link.start(engine, head)
}
