import fc from 'fast-check'
import { Server, type ServerOptions, type Socket as ServerSocket } from 'socket.io'
import { Manager, type Socket as ClientSocket } from 'socket.io-client'
import { afterEach, describe, expect, it, vi, type Mock } from 'vitest'
import { emitDirect, emitDirectClient, onDirectClientEvent, onDirectEvent } from '../../../protocol/direct-events.js'
import {
  FunctionTable,
  OutcomeFrameWriter,
  PRIORITY_CODE,
  TaskFrameWriter,
  functionEntry,
  readOutcomeFrame,
  wireError,
} from '../../../protocol/index.js'
import { finishForPacket } from '../../../protocol/packet-codec.js'
import {
  bytesOf,
  closeCodecSockets,
  LANE,
  SIDE,
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
 * The sending half of direct delivery (emitDirect, emitDirectClient) on real Socket.IO server and
 * socket.io-client pairs on 127.0.0.1, both speaking the machine path's packet codec. What is
 * shown: a direct emit is an ordinary Socket.IO packet to the peer, it skips Socket.IO and
 * Engine.IO only while Engine.IO has nothing waiting, it never overtakes what was emitted before
 * it, and wherever it cannot go straight to the WebSocket it does exactly what `socket.emit` does.
 */

/** The hot event: one bytes argument. */
const HOT = 'blob'
/** An event that always takes Socket.IO's path (an object argument, V8-serialized). */
const SLOW = 'note'

afterEach(closeCodecSockets)

type Direction = 'client to server' | 'server to client'
const directions: Direction[] = ['client to server', 'server to client']

/** What Engine.IO keeps of a connection, as far as these tests look at it. */
interface EngineView {
  readyState: string
  writeBuffer: unknown[]
  transport: { name: string; writable: boolean }
  on(event: 'packetCreate', listener: (packet: { type: string; data?: unknown }) => void): unknown
}

/** One namespace's link, seen from the side that sends. */
interface Link {
  io: Server
  manager: Manager
  server: ServerSocket
  client: ClientSocket
  /** emitDirect / emitDirectClient from the sending side. */
  direct(event: string, frame: Uint8Array): void
  /** The sending socket's own `emit`. */
  plain(event: string, ...args: unknown[]): void
  /** Its calls, from the test or from a direct emit's fallback. */
  emit: Mock<(event: string, ...args: unknown[]) => unknown>
  /** The receiving socket. */
  receiver: ServerSocket | ClientSocket
  /** The sending side's Engine.IO connection. */
  engine: EngineView
  /** Socket.IO messages Engine.IO created on the sending side (its `packetCreate` event). */
  engineMessages: unknown[]
}

async function openLink(
  direction: Direction,
  options: { nsp?: string; server?: Partial<ServerOptions>; reconnection?: boolean } = {},
): Promise<Link> {
  const nsp = options.nsp ?? LANE
  const { io, url } = await startServer(options.server)
  const manager = openManager(url, options.reconnection)
  const client = manager.socket(nsp)
  const server = await join(io, nsp, client)
  const sender: { emit(event: string, ...args: unknown[]): unknown } =
    direction === 'client to server' ? client : server
  const emit = vi.spyOn(sender, 'emit') as unknown as Link['emit']
  onCleanup(() => emit.mockRestore())
  const engine = (direction === 'client to server' ? manager.engine : server.conn) as unknown as EngineView
  const engineMessages: unknown[] = []
  engine.on('packetCreate', (packet) => {
    if (packet.type === 'message') engineMessages.push(packet.data)
  })
  return {
    io,
    manager,
    server,
    client,
    direct:
      direction === 'client to server'
        ? (event, frame) => emitDirectClient(client, nsp, event, frame)
        : (event, frame) => emitDirect(server, event, frame),
    plain: (event, ...args) => void sender.emit(event, ...args),
    emit,
    receiver: direction === 'client to server' ? server : client,
    engine,
    engineMessages,
  }
}

/** Engine.IO on the sending side has nothing waiting: a direct emit may go straight to the WebSocket. */
async function idle(link: Link): Promise<void> {
  await vi.waitFor(() => {
    expect(link.engine.writeBuffer).toHaveLength(0)
    expect(link.engine.transport.writable).toBe(true)
  }, WAIT)
}

/** Records every argument list `event` brings at the receiving socket, through a plain listener. */
function listen(receiver: ServerSocket | ClientSocket, event: string): unknown[][] {
  const received: unknown[][] = []
  ;(receiver as ServerSocket).on(event, (...args: unknown[]) => received.push(args))
  return received
}

/** The bytes an encoder writes in front of a bytes event of `event` in namespace `nsp`. */
function headerOf(nsp: string, event: string): Buffer {
  return Buffer.concat([
    Buffer.from([1, nsp.length]),
    Buffer.from(nsp),
    Buffer.from([event.length]),
    Buffer.from(event),
  ])
}

const payload = (length: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * 7919 + 13) % 256))

/** Frames as the product makes them; `headroom`: finished with finishForPacket. */
const frames: { name: string; headroom: boolean; front?: number; make: () => Uint8Array }[] = [
  { name: 'plain bytes', headroom: false, make: () => payload(300) },
  { name: 'an empty frame', headroom: false, make: () => Buffer.alloc(0) },
  {
    name: 'a view in the middle of a larger array',
    headroom: false,
    front: 40,
    make: () =>
      new Uint8Array(Buffer.concat([Buffer.alloc(40, 0xee), payload(100), Buffer.alloc(8, 0xee)])).subarray(40, 140),
  },
  {
    name: 'a task frame with headroom',
    headroom: true,
    make: () => {
      const writer = new TaskFrameWriter(new FunctionTable())
      const fn = functionEntry({ kind: 'source', source: '(a) => a' })
      const args = payload(64)
      for (let i = 0; i < 5; i++) writer.add(`t${i}`, fn, 0, 0, PRIORITY_CODE.normal, args, 0, args.length)
      return finishForPacket(writer)
    },
  },
  {
    name: 'an outcome frame with headroom',
    headroom: true,
    make: () => {
      const writer = new OutcomeFrameWriter()
      const result = payload(512)
      writer.addResult('t1', 1, 0.5, 'node-a', result, 0, 512)
      writer.addError('t2', 1, 0.5, wireError('TASK_FAILED', 'no'))
      return finishForPacket(writer)
    },
  },
  {
    name: 'a large frame with headroom',
    headroom: true,
    make: () => finishForPacket({ finish: (headroom) => Buffer.concat([Buffer.alloc(headroom), payload(300_000)]) }),
  },
]

describe.each(directions)('direct send, %s', SOCKET_TESTS, (direction) => {
  it.each(frames)(
    'writes $name as an ordinary Socket.IO packet, past Socket.IO and Engine.IO',
    async ({ headroom, front = 0, make }) => {
      const link = await openLink(direction)
      // Nothing routed on the receiving side: Socket.IO itself decodes and dispatches it.
      const received = listen(link.receiver, HOT)
      await idle(link)
      const frame = make()
      const expected = Buffer.from(frame)
      link.direct(HOT, frame)
      expect(link.emit).not.toHaveBeenCalled()
      expect(link.engineMessages).toEqual([])
      await vi.waitFor(() => expect(received).toHaveLength(1), WAIT)
      expect(received[0]).toHaveLength(1)
      const [bytes] = received[0] as [Buffer]
      expect(Buffer.isBuffer(bytes)).toBe(true)
      expect(bytes.equals(expected)).toBe(true)
      const header = headerOf(LANE, HOT)
      if (headroom) {
        // The header went into the room in front of the frame: the frame itself was not copied.
        const room = Buffer.from(frame.buffer, frame.byteOffset - header.length, header.length)
        expect(room.equals(header)).toBe(true)
      } else if (front > 0) {
        // Bytes in front of a frame without headroom belong to someone else: left alone.
        expect([...new Uint8Array(frame.buffer, frame.byteOffset - front, front)]).toEqual(Array(front).fill(0xee))
      }
      expect(Buffer.from(frame).equals(expected)).toBe(true)
    },
  )

  it('reads back as the frame it was: an outcome frame arrives readable', async () => {
    const link = await openLink(direction)
    const received = listen(link.receiver, 'task:settled')
    await idle(link)
    const writer = new OutcomeFrameWriter()
    writer.addResult('t1', 2, 1.5, 'node-a', Buffer.from('result'), 0, 6)
    link.direct('task:settled', finishForPacket(writer))
    await vi.waitFor(() => expect(received).toHaveLength(1), WAIT)
    const frame = readOutcomeFrame(received[0]![0])
    expect(frame.ok).toBe(true)
    if (!frame.ok) return
    expect(frame.ids).toEqual(['t1'])
    expect(frame.attempts).toEqual([2])
    expect(frame.nodeNames).toEqual(['node-a'])
    expect(frame.bytes.subarray(frame.offsets[0], frame.offsets[1]).toString()).toBe('result')
  })

  it('goes through socket.emit, behind it, while Engine.IO still writes what came before', async () => {
    const link = await openLink(direction)
    const handled: number[] = []
    ;(link.receiver as ServerSocket).on(SLOW, (input: unknown) => handled.push(seqOf(input)))
    ;(link.receiver as ServerSocket).on(HOT, (input: unknown) => handled.push(seqOf(input)))
    await idle(link)

    link.plain(SLOW, { seq: 0 })
    // What keeps Engine.IO busy right after a write, on each side.
    if (direction === 'server to client') {
      // The server hands its buffer to the transport at once; the WebSocket is busy until the write completes.
      expect(link.engine.writeBuffer).toHaveLength(0)
      expect(link.engine.transport.writable).toBe(false)
    } else {
      // The client keeps the packet in its buffer until the transport drains (a tick later).
      expect(link.engine.writeBuffer).toHaveLength(1)
      expect(link.engine.transport.writable).toBe(false)
    }
    const second = bytesOf(1)
    link.direct(HOT, second)
    expect(link.emit).toHaveBeenCalledTimes(2)
    expect(link.emit).toHaveBeenLastCalledWith(HOT, second)
    expect(link.engineMessages).toHaveLength(2)
    await vi.waitFor(() => expect(handled).toEqual([0, 1]), WAIT)

    // Once Engine.IO has drained, the next one goes straight to the WebSocket again.
    await idle(link)
    link.direct(HOT, bytesOf(2))
    expect(link.emit).toHaveBeenCalledTimes(2)
    expect(link.engineMessages).toHaveLength(2)
    await vi.waitFor(() => expect(handled).toEqual([0, 1, 2]), WAIT)
  })

  it('falls back to socket.emit for a name the bytes encoding refuses, and it still arrives', async () => {
    const names = [
      { nsp: LANE, event: 'tâche' },
      { nsp: LANE, event: 'e'.repeat(256) },
      { nsp: LANE, event: '⚙' },
      { nsp: '/café', event: HOT },
      { nsp: `/${'n'.repeat(255)}`, event: HOT },
    ]
    for (const { nsp, event } of names) {
      const link = await openLink(direction, { nsp })
      const received = listen(link.receiver, event)
      await idle(link)
      const plainFrame = payload(200)
      const writer = new OutcomeFrameWriter()
      writer.addResult('t1', 1, 0, undefined, payload(40), 0, 40)
      const roomy = finishForPacket(writer)
      const roomyBytes = Buffer.from(roomy)
      if (direction === 'client to server') {
        emitDirectClient(link.client, nsp, event, plainFrame)
        emitDirectClient(link.client, nsp, event, roomy)
      } else {
        emitDirect(link.server, event, plainFrame)
        emitDirect(link.server, event, roomy)
      }
      expect(link.emit.mock.calls).toEqual([
        [event, plainFrame],
        [event, roomy],
      ])
      await vi.waitFor(() => expect(received).toHaveLength(2), WAIT)
      expect(received.map((args) => args.length)).toEqual([1, 1])
      expect(Buffer.from(received[0]![0] as Uint8Array).equals(plainFrame)).toBe(true)
      expect(Buffer.from(received[1]![0] as Uint8Array).equals(roomyBytes)).toBe(true)
    }
  })
})

/** Runs `burst` in one synchronous go on `link`; answers how many direct emits fell back to socket.emit. */
function sendBurst(link: Link, burst: { kind: 'slow' | 'direct' | 'plain bytes'; size: number }[]): number {
  const callsBefore = link.emit.mock.calls.length
  let plain = 0
  burst.forEach(({ kind, size }, seq) => {
    if (kind === 'slow') {
      plain++
      link.plain(SLOW, { seq, padding: 'x'.repeat(size) })
    } else if (kind === 'plain bytes') {
      plain++
      link.plain(HOT, bytesOf(seq, size))
    } else link.direct(HOT, bytesOf(seq, size))
  })
  return link.emit.mock.calls.length - callsBefore - plain
}

const receivingPaths = ['a plain listener', 'a direct route'] as const

describe.each(directions.flatMap((direction) => receivingPaths.map((path) => [direction, path] as const)))(
  'send order, %s, received by %s',
  SOCKET_TESTS,
  (direction, path) => {
    it('delivers a burst of slow, plain and direct emits in emit order, also when Engine.IO buffers', async () => {
      const link = await openLink(direction)
      const handled: number[] = []
      const record = (input: unknown): void => void handled.push(seqOf(input))
      ;(link.receiver as ServerSocket).on(SLOW, record)
      if (path === 'a plain listener') (link.receiver as ServerSocket).on(HOT, record)
      else if (direction === 'client to server') onDirectEvent(link.server, HOT, record)
      else onDirectClientEvent(link.client, LANE, HOT, record)
      let direct = 0
      let fellBack = 0
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              kind: fc.constantFrom('slow' as const, 'direct' as const, 'direct' as const, 'plain bytes' as const),
              // Now and then a frame large enough that the socket cannot take it at once.
              size: fc.oneof({ arbitrary: fc.nat(64), weight: 9 }, { arbitrary: fc.constant(256 * 1024), weight: 1 }),
            }),
            { minLength: 1, maxLength: 40 },
          ),
          async (burst) => {
            handled.length = 0
            await idle(link)
            const fallbacks = sendBurst(link, burst)
            fellBack += fallbacks
            direct += burst.filter(({ kind }) => kind === 'direct').length - fallbacks
            await vi.waitFor(() => expect(handled).toHaveLength(burst.length), WAIT)
            expect(handled).toEqual(burst.map((_, seq) => seq))
          },
        ),
        // Both paths of a direct emit must really have been taken.
        {
          numRuns: 20,
          examples: [
            [
              [
                { kind: 'direct', size: 0 },
                { kind: 'slow', size: 0 },
                { kind: 'direct', size: 0 },
              ],
            ],
          ],
        },
      )
      expect(direct).toBeGreaterThan(0)
      expect(fellBack).toBeGreaterThan(0)
    }, 60_000)
  },
)

describe('direct send on a link that is not up', SOCKET_TESTS, () => {
  it('server: after the connection closed, writes nothing and does not throw, as socket.emit', async () => {
    const link = await openLink('server to client')
    const gone = nextEvent(link.server, 'disconnect')
    link.manager.engine.close()
    await gone
    expect(link.server.connected).toBe(false)
    expect(() => emitDirect(link.server, HOT, payload(10))).not.toThrow()
    expect(() => link.server.emit(HOT, payload(10))).not.toThrow()
    // The direct emit fell back to socket.emit; Socket.IO dropped both (the connection is closed).
    expect(link.emit).toHaveBeenCalledTimes(2)
    expect(link.engine.readyState).toBe('closed')
    expect(link.engineMessages).toEqual([])
  })

  it('server: after the namespace alone was left, does what socket.emit does — the packet is written, the client drops it', async () => {
    const { io, url } = await startServer()
    const manager = openManager(url)
    const laneClient = manager.socket(LANE)
    const sideClient = manager.socket(SIDE)
    const laneServer = await join(io, LANE, laneClient)
    const sideServer = await join(io, SIDE, sideClient)
    const received = listen(laneClient, HOT)
    const messages: unknown[] = []
    const left = nextEvent(laneClient, 'disconnect')
    laneServer.disconnect()
    await left
    ;(laneServer.conn as unknown as EngineView).on('packetCreate', (packet) => {
      if (packet.type === 'message') messages.push(packet.data)
    })
    const emit = vi.spyOn(laneServer, 'emit')
    onCleanup(() => emit.mockRestore())
    expect(() => emitDirect(laneServer, HOT, bytesOf(1))).not.toThrow()
    laneServer.emit(HOT, bytesOf(2))
    expect(emit).toHaveBeenCalledTimes(2)
    // Socket.IO writes a left socket's packets on a connection that is still open for other namespaces.
    expect(messages).toHaveLength(2)
    const reached = nextEvent(sideClient, 'after')
    sideServer.emit('after')
    await reached
    expect(received).toEqual([])
  })

  it('client: while disconnected, buffers as socket.emit does; the buffer goes out on reconnect in emit order', async () => {
    const link = await openLink('client to server')
    const handled: unknown[] = []
    link.io.of(LANE).on('connection', (socket) => {
      socket.on(HOT, (input: Buffer) => handled.push([...input]))
      socket.on(SLOW, (input: unknown) => handled.push(input))
    })
    const gone = nextEvent(link.server, 'disconnect')
    link.client.disconnect()
    await gone
    link.engineMessages.length = 0

    const writer = new OutcomeFrameWriter()
    writer.addResult('t3', 1, 0, undefined, bytesOf(3), 0, 4)
    const roomy = finishForPacket(writer)
    const roomyBytes = Buffer.from(roomy)
    emitDirectClient(link.client, LANE, HOT, bytesOf(0))
    link.client.emit(SLOW, { seq: 1 })
    link.client.emit(HOT, bytesOf(2))
    emitDirectClient(link.client, LANE, HOT, roomy)
    expect(link.emit).toHaveBeenCalledTimes(4)
    expect(link.client.sendBuffer).toHaveLength(4)
    expect(link.engineMessages).toEqual([])

    await join(link.io, LANE, link.client)
    await vi.waitFor(() => expect(handled).toHaveLength(4), WAIT)
    expect(handled).toEqual([[...bytesOf(0)], { seq: 1 }, [...bytesOf(2)], [...roomyBytes]])
  })

  it('client: with its heartbeat overdue, holds events for the next connection as socket.emit does, in order', async () => {
    const heartbeat = { pingInterval: 200, pingTimeout: 200 }
    const { io, url } = await startServer(heartbeat)
    let connections = 0
    const handled: { connection: number; seq: number }[] = []
    io.of(LANE).on('connection', (socket) => {
      const connection = ++connections
      const record = (input: unknown): void => void handled.push({ connection, seq: seqOf(input) })
      socket.on(HOT, record)
      socket.on(SLOW, record)
    })
    const manager = openManager(url, true)
    const client = manager.socket(LANE)
    await join(io, LANE, client)
    const current = connections
    // The loop is held past the heartbeat's deadline, as on a machine that slept or a loop that
    // blocked: socket.io-client then presumes the link dead, closes it and keeps what is emitted
    // meanwhile for the next connection — the old one may well be gone (a partition).
    holdLoop(heartbeat.pingInterval + heartbeat.pingTimeout + 50)
    emitDirectClient(client, LANE, HOT, bytesOf(0))
    client.emit(SLOW, { seq: 1 })
    emitDirectClient(client, LANE, HOT, bytesOf(2))
    await vi.waitFor(() => expect(handled).toHaveLength(3), WAIT)
    expect(handled.map(({ seq }) => seq)).toEqual([0, 1, 2])
    expect(handled.every(({ connection }) => connection > current)).toBe(true)
  })
})

/** Keeps the event loop busy for `ms` (timers cannot run meanwhile). */
function holdLoop(ms: number): number {
  const until = Date.now() + ms
  let spins = 0
  while (Date.now() <= until) spins++
  return spins
}
