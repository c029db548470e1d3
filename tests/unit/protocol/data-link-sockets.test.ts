import { request, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Server, Socket as ServerSocket } from 'socket.io'
import type { Manager, Socket as ClientSocket } from 'socket.io-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DataLinkServer } from '../../../manager/data-links.js'
import { dataLinkOf } from '../../../protocol/data-link.js'
import { useDataLinks } from '../../../protocol/data-link-peer.js'
import { emitDirect, emitDirectClient, onDirectClientEvent, onDirectEvent } from '../../../protocol/direct-events.js'
import { MAX_FRAME_BYTES, SOCKET_PATHS } from '../../../protocol/index.js'
import {
  bytesOf,
  closeCodecSockets,
  LANE,
  SOCKET_TESTS,
  WAIT,
  join,
  nextEvent,
  onCleanup,
  openManager,
  seqOf,
  startServer,
} from '../../helpers/codec-sockets.js'

/*
 * Real Socket.IO server and socket.io-client pairs on 127.0.0.1 with data links, wired as the
 * manager (DataLinkServer behind its upgrade handler) and its clients and agents (useDataLinks).
 */

afterEach(closeCodecSockets)

/** Bytes events (the direct path) and V8-serialized events, interleaved. */
const ROUTED = 'blob'
const SLOW = 'note'

interface LinkedPair {
  io: Server
  links: DataLinkServer
  manager: Manager
  client: ClientSocket
  server: ServerSocket
  /** The URLs of the link upgrades the server was asked for, and the sockets it accepted. */
  upgrades: string[]
  linkSockets: Duplex[]
}

/** A server offering data links (accepting them unless `refuse`) and a connected client that takes them. */
async function openPair(options: { refuse?: boolean; reconnection?: boolean } = {}): Promise<LinkedPair> {
  const { io, url } = await startServer({ destroyUpgrade: false })
  const links = new DataLinkServer(MAX_FRAME_BYTES)
  io.of(LANE).on('connection', (socket) => links.offer(socket))
  const upgrades: string[] = []
  const linkSockets: Duplex[] = []
  io.httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!request.url?.startsWith(`${SOCKET_PATHS.data}/`)) return
    upgrades.push(request.url)
    if (options.refuse) return void socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
    linkSockets.push(socket)
    links.accept(request, socket, head)
  })
  const manager = openManager(url, options.reconnection)
  useDataLinks(manager)
  const client = manager.socket(LANE)
  const server = await join(io, LANE, client)
  return { io, links, manager, client, server, upgrades, linkSockets }
}

/** Resolves once both ends of `pair`'s connection write to a data link. */
async function linked(pair: LinkedPair): Promise<void> {
  await vi.waitFor(() => {
    expect(dataLinkOf(pair.server.client.conn)).toBeDefined()
    expect(dataLinkOf(pair.manager.engine)).toBeDefined()
  }, WAIT)
}

type Emitter = (kind: 'routed' | 'slow', seq: number) => void

/** Sends `count` numbered events, a few per turn of the event loop, so the switch falls among them. */
async function sendNumbered(emit: Emitter, count: number): Promise<void> {
  for (let seq = 0; seq < count; seq += 1) {
    emit(seq % 3 === 0 ? 'slow' : 'routed', seq)
    if (seq % 7 === 6) await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('data links', SOCKET_TESTS, () => {
  it('moves a connection to its link and keeps every event in order, both ways, across the switch', async () => {
    const { io, url } = await startServer({ destroyUpgrade: false })
    const links = new DataLinkServer(MAX_FRAME_BYTES)
    const atServer: number[] = []
    const atClient: number[] = []
    let server: ServerSocket | undefined
    io.of(LANE).on('connection', (socket) => {
      server = socket
      onDirectEvent(socket, ROUTED, (input) => atServer.push(seqOf(input)))
      socket.on(SLOW, (input: unknown) => atServer.push(seqOf(input)))
      links.offer(socket)
    })
    io.httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (request.url?.startsWith(`${SOCKET_PATHS.data}/`)) links.accept(request, socket, head)
    })
    const manager = openManager(url)
    useDataLinks(manager)
    const client = manager.socket(LANE)
    onDirectClientEvent(client, LANE, ROUTED, (input) => atClient.push(seqOf(input)))
    client.on(SLOW, (input: unknown) => atClient.push(seqOf(input)))
    const connected = nextEvent(client, 'connect')
    client.connect()
    await connected
    const count = 3000
    // How many events each side sent before and after it switched.
    const sent = { client: [0, 0], server: [0, 0] }
    // Both sides start sending before the link exists and go on while it opens.
    await Promise.all([
      sendNumbered((kind, seq) => {
        sent.client[dataLinkOf(manager.engine) ? 1 : 0]! += 1
        if (kind === 'slow') client.emit(SLOW, { seq })
        else emitDirectClient(client, LANE, ROUTED, bytesOf(seq, seq % 50))
      }, count),
      sendNumbered((kind, seq) => {
        sent.server[dataLinkOf(server!.client.conn) ? 1 : 0]! += 1
        if (kind === 'slow') server!.emit(SLOW, { seq })
        else emitDirect(server!, ROUTED, bytesOf(seq, seq % 50))
      }, count),
    ])
    await vi.waitFor(() => {
      expect(atServer).toHaveLength(count)
      expect(atClient).toHaveLength(count)
    }, WAIT)
    const inOrder = Array.from({ length: count }, (_, seq) => seq)
    expect(atServer).toEqual(inOrder)
    expect(atClient).toEqual(inOrder)
    for (const [before, after] of [sent.client, sent.server]) {
      expect(before).toBeGreaterThan(0)
      expect(after).toBeGreaterThan(0)
    }
    expect(dataLinkOf(server!.client.conn)).toBeDefined()
    expect(dataLinkOf(manager.engine)).toBeDefined()
    expect(links.open).toBe(1)
  })

  it('stays on the WebSocket when the link is refused', async () => {
    const pair = await openPair({ refuse: true })
    const received: number[] = []
    onDirectEvent(pair.server, ROUTED, (input) => received.push(seqOf(input)))
    await vi.waitFor(() => expect(pair.upgrades).toHaveLength(1), WAIT)
    for (let seq = 0; seq < 10; seq += 1) emitDirectClient(pair.client, LANE, ROUTED, bytesOf(seq))
    await vi.waitFor(() => expect(received).toHaveLength(10), WAIT)
    expect(received).toEqual([...Array(10).keys()])
    expect(dataLinkOf(pair.manager.engine)).toBeUndefined()
    expect(pair.links.open).toBe(0)
  })

  it('delivers what a client sent before it disconnects, then the disconnect', async () => {
    const pair = await openPair()
    await linked(pair)
    const received: number[] = []
    onDirectEvent(pair.server, ROUTED, (input) => received.push(seqOf(input)))
    const disconnected = nextEvent(pair.server, 'disconnect')
    for (let seq = 0; seq < 200; seq += 1) emitDirectClient(pair.client, LANE, ROUTED, bytesOf(seq, 1000))
    pair.client.disconnect()
    const [reason] = await disconnected
    expect(reason).toBe('client namespace disconnect')
    expect(received).toHaveLength(200)
  })

  it('delivers what the server sent before it disconnects a client, then the disconnect', async () => {
    const pair = await openPair()
    await linked(pair)
    const received: number[] = []
    onDirectClientEvent(pair.client, LANE, ROUTED, (input) => received.push(seqOf(input)))
    const disconnected = nextEvent(pair.client, 'disconnect')
    for (let seq = 0; seq < 200; seq += 1) emitDirect(pair.server, ROUTED, bytesOf(seq, 1000))
    pair.server.disconnect(true)
    const [reason] = await disconnected
    expect(reason).toBe('io server disconnect')
    expect(received).toHaveLength(200)
  })

  it('closes the connection when its link breaks; the client reconnects and opens a new link', async () => {
    const pair = await openPair({ reconnection: true })
    await linked(pair)
    const first = pair.manager.engine
    const again = nextEvent(pair.io.of(LANE), 'connection')
    const disconnected = nextEvent(pair.client, 'disconnect')
    const serverSide = nextEvent(pair.server, 'disconnect')
    pair.linkSockets[0]!.destroy()
    await disconnected
    // Reported as a broken transport, not as a close the manager chose.
    expect((await serverSide)[0]).toBe('transport close')
    const [server] = (await again) as [ServerSocket]
    await vi.waitFor(() => {
      expect(pair.manager.engine).not.toBe(first)
      expect(dataLinkOf(server.client.conn)).toBeDefined()
      expect(dataLinkOf(pair.manager.engine)).toBeDefined()
    }, WAIT)
    const received: number[] = []
    onDirectEvent(server, ROUTED, (input) => received.push(seqOf(input)))
    emitDirectClient(pair.client, LANE, ROUTED, bytesOf(42))
    await vi.waitFor(() => expect(received).toEqual([42]), WAIT)
    onCleanup(() => pair.manager.reconnection(false))
  })

  it('closes the connection as a parse error when its link carries a malformed message', async () => {
    const pair = await openPair()
    await linked(pair)
    const disconnected = nextEvent(pair.client, 'disconnect')
    // A length of zero is never sent.
    pair.linkSockets[0]!.write(Buffer.alloc(8))
    expect((await disconnected)[0]).toBe('parse error')
  })

  it('refuses an upgrade with an unknown or used ticket', async () => {
    const pair = await openPair()
    await linked(pair)
    const { port } = pair.io.httpServer.address() as { port: number }
    const status = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const asked = request(`http://127.0.0.1:${port}${path}`, {
          headers: { connection: 'Upgrade', upgrade: 'argon-data' },
        })
        asked.on('response', (response) => resolve(response.statusCode ?? 0))
        asked.on('upgrade', (_response, socket: Duplex) => {
          socket.destroy()
          resolve(101)
        })
        asked.on('error', reject)
        asked.end()
      })
    expect(await status(`${SOCKET_PATHS.data}/?ticket=${'a'.repeat(32)}`)).toBe(404)
    expect(pair.upgrades).toHaveLength(2)
    expect(await status(pair.upgrades[0]!)).toBe(404)
    expect(pair.links.open).toBe(1)
  })
})
