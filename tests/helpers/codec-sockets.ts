/**
 * Real Socket.IO server and socket.io-client pairs on 127.0.0.1, both speaking the machine path's
 * packet codec as the manager, its clients and its agents do: what the direct-delivery tests of
 * both directions build on. Everything opened is closed by `closeCodecSockets` (call it in afterEach).
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server, type ServerOptions, type Socket as ServerSocket } from 'socket.io'
import { Manager, type Socket as ClientSocket } from 'socket.io-client'
import { packetCodec } from '../../protocol/packet-codec.js'

/** Two namespaces of one connection. */
export const LANE = '/lane'
export const SIDE = '/side'
/** vi.waitFor options for socket round trips. */
export const WAIT = { timeout: 10_000, interval: 5 }
/** Per-test limit, with room for a busy machine: a failing wait reports before the test times out. */
export const SOCKET_TESTS = { timeout: 20_000 }

const cleanups: (() => unknown)[] = []

/** Runs `cleanup` when the test ends (last registered, first run). */
export function onCleanup(cleanup: () => unknown): void {
  cleanups.push(cleanup)
}

/** Closes what the test opened, newest first. */
export async function closeCodecSockets(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
}

/** A Socket.IO server on the machine path's codec, listening on 127.0.0.1. */
export async function startServer(options: Partial<ServerOptions> = {}): Promise<{ io: Server; url: string }> {
  const http = createServer()
  const io = new Server(http, {
    parser: packetCodec,
    transports: ['websocket'],
    serveClient: false,
    perMessageDeflate: false,
    ...options,
  })
  onCleanup(() => io.close())
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` }
}

/** A client connection (one engine link for all its namespaces), not yet connected. */
export function openManager(url: string, reconnection = false): Manager {
  const manager = new Manager(url, {
    parser: packetCodec,
    transports: ['websocket'],
    reconnection,
    reconnectionDelay: 20,
    reconnectionDelayMax: 20,
    randomizationFactor: 0,
    autoConnect: false,
  })
  onCleanup(() => {
    manager.reconnection(false)
    manager.engine?.close()
  })
  return manager
}

/** The arguments of `emitter`'s next `event`. */
export function nextEvent(emitter: object, event: string): Promise<unknown[]> {
  const listening = emitter as { once(event: string, listener: (...args: unknown[]) => void): unknown }
  return new Promise((resolve) => listening.once(event, (...args) => resolve(args)))
}

/** Connects `client` to namespace `nsp`; answers the server's socket for it. */
export async function join(io: Server, nsp: string, client: ClientSocket): Promise<ServerSocket> {
  const connection = nextEvent(io.of(nsp), 'connection')
  const connected = nextEvent(client, 'connect')
  client.connect()
  const [[server]] = await Promise.all([connection, connected])
  return server as ServerSocket
}

/** Bytes that carry `seq` in their first four bytes, `padding` bytes longer. */
export function bytesOf(seq: number, padding = 0): Buffer {
  const bytes = Buffer.alloc(4 + padding, seq % 256)
  bytes.writeUInt32BE(seq, 0)
  return bytes
}

/** The sequence number an event carries, whichever way it was encoded (bytesOf, or `{ seq }`). */
export function seqOf(input: unknown): number {
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength).readUInt32BE(0)
  return (input as { seq: number }).seq
}
