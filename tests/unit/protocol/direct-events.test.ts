import fc from 'fast-check'
import type { Socket as ServerSocket } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { onDirectClientEvent, onDirectEvent } from '../../../protocol/direct-events.js'
import { Decoder, Encoder } from '../../../protocol/packet-codec.js'
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
 * Real Socket.IO server and socket.io-client pairs on 127.0.0.1, both speaking the machine path's
 * packet codec, as the manager, its clients and its agents do.
 */

/** The routed event: one bytes argument, so the encoder sends it as a bytes frame. */
const ROUTED = 'blob'
/** An event Socket.IO always delivers (an object argument, V8-serialized). */
const SLOW = 'note'

afterEach(closeCodecSockets)

/** The decoder Socket.IO keeps for a server socket's connection or a client's manager. */
function decoderOf(owner: ServerSocket | ClientSocket): Decoder {
  const holder = 'client' in owner ? owner.client : owner.io
  const decoder = (holder as unknown as { decoder: unknown }).decoder
  if (!(decoder instanceof Decoder)) throw new Error('not the packet codec')
  return decoder
}

type Direction = 'client to server' | 'server to client'

/**
 * A link whose receiving end handles ROUTED with onDirectEvent / onDirectClientEvent (as the
 * manager, agents and clients do) and SLOW with a plain listener, and records what Socket.IO
 * itself dispatched (its any-event listeners run only on its own path).
 */
interface Lane {
  sender: { emit(event: string, ...args: unknown[]): unknown }
  receiver: ServerSocket | ClientSocket
  /** Event names Socket.IO's `onAny` saw on the receiving socket. */
  dispatched: string[]
  server: ServerSocket
  client: ClientSocket
}

async function openLane(
  direction: Direction,
  handlers: { routed: (input: unknown) => void; slow?: (input: unknown) => void },
): Promise<Lane> {
  const { io, url } = await startServer()
  const dispatched: string[] = []
  const client = openManager(url).socket(LANE)
  if (direction === 'client to server') {
    io.of(LANE).on('connection', (socket) => {
      onDirectEvent(socket, ROUTED, handlers.routed)
      if (handlers.slow) socket.on(SLOW, handlers.slow)
      socket.onAny((event: string) => dispatched.push(event))
    })
  } else {
    onDirectClientEvent(client, LANE, ROUTED, handlers.routed)
    if (handlers.slow) client.on(SLOW, handlers.slow)
    client.onAny((event: string) => dispatched.push(event))
  }
  const server = await join(io, LANE, client)
  const [sender, receiver] = direction === 'client to server' ? [client, server] : [server, client]
  return { sender, receiver, dispatched, server, client }
}

const directions: Direction[] = ['client to server', 'server to client']

describe.each(directions)('direct delivery, %s', SOCKET_TESTS, (direction) => {
  it('hands a routed event its exact bytes, and the same event in any other encoding through Socket.IO', async () => {
    const received: unknown[][] = []
    const lane = await openLane(direction, { routed: (...args: unknown[]) => received.push(args) })
    const large = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 256))
    const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    // A view in the middle of a larger array: only its own bytes travel.
    const view = new Uint8Array([9, 9, 1, 2, 3, 9]).subarray(2, 5)
    lane.sender.emit(ROUTED, everyByte)
    lane.sender.emit(ROUTED, large)
    lane.sender.emit(ROUTED, view)
    lane.sender.emit(ROUTED, Buffer.alloc(0))
    await vi.waitFor(() => expect(received).toHaveLength(4), WAIT)
    expect(received.map((args) => args.length)).toEqual([1, 1, 1, 1])
    const bytes = received.map(([input]) => input as Buffer)
    expect(bytes.every((input) => Buffer.isBuffer(input))).toBe(true)
    expect(bytes[0]!.equals(everyByte)).toBe(true)
    expect(bytes[1]!.equals(large)).toBe(true)
    expect([...bytes[2]!]).toEqual([1, 2, 3])
    expect(bytes[3]!.length).toBe(0)
    expect(lane.dispatched).toEqual([])

    // Not a bytes frame: Socket.IO delivers it to the same handler, which can then refuse it.
    lane.sender.emit(ROUTED, { seq: 5 })
    lane.sender.emit(ROUTED, everyByte, 'two arguments')
    lane.sender.emit(ROUTED)
    await vi.waitFor(() => expect(received).toHaveLength(7), WAIT)
    expect(received[4]).toEqual([{ seq: 5 }])
    expect(received[5]).toHaveLength(2)
    expect((received[5]![0] as Buffer).equals(everyByte)).toBe(true)
    expect(received[5]![1]).toBe('two arguments')
    expect(received[6]).toEqual([])
    expect(lane.dispatched).toEqual([ROUTED, ROUTED, ROUTED])
  })

  it('handles every event in the order the peer sent it, whichever path each takes', async () => {
    const handled: { seq: number; path: 'routed' | 'slow' }[] = []
    const lane = await openLane(direction, {
      routed: (input) => handled.push({ seq: seqOf(input), path: 'routed' }),
      slow: (input) => handled.push({ seq: seqOf(input), path: 'slow' }),
    })
    let direct = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ kind: fc.constantFrom('slow', 'routed', 'routed as object'), padding: fc.nat(64) }), {
          minLength: 1,
          maxLength: 60,
        }),
        async (burst) => {
          handled.length = 0
          lane.dispatched.length = 0
          // One synchronous burst: the frames reach the peer together, in one read.
          burst.forEach(({ kind, padding }, seq) => {
            if (kind === 'slow') lane.sender.emit(SLOW, { seq })
            else if (kind === 'routed') lane.sender.emit(ROUTED, bytesOf(seq, padding))
            else lane.sender.emit(ROUTED, { seq })
          })
          await vi.waitFor(() => expect(handled).toHaveLength(burst.length), WAIT)
          direct +=
            handled.filter(({ path }) => path === 'routed').length -
            lane.dispatched.filter((event) => event === ROUTED).length
          expect(handled.map(({ seq }) => seq)).toEqual(burst.map((_, seq) => seq))
          expect(handled.map(({ path }) => path)).toEqual(
            burst.map(({ kind }) => (kind === 'slow' ? 'slow' : 'routed')),
          )
        },
      ),
      { numRuns: 20 },
    )
    // Some routed events must really have skipped Socket.IO, or the order above proved nothing.
    expect(direct).toBeGreaterThan(0)
  }, 60_000)

  it('keeps routed events behind a slow one sent just before them', async () => {
    const handled: number[] = []
    const lane = await openLane(direction, {
      routed: (input) => handled.push(seqOf(input)),
      slow: (input) => handled.push(seqOf(input)),
    })
    lane.sender.emit(SLOW, { seq: 0 })
    for (let seq = 1; seq <= 50; seq++) lane.sender.emit(ROUTED, bytesOf(seq))
    await vi.waitFor(() => expect(handled).toHaveLength(51), WAIT)
    expect(handled).toEqual(Array.from({ length: 51 }, (_, seq) => seq))
  })

  it('skips Socket.IO for routed events when nothing of its is pending, and uses it once the route is gone', async () => {
    const handled: number[] = []
    const lane = await openLane(direction, { routed: (input) => handled.push(seqOf(input)) })
    for (let seq = 0; seq < 20; seq++) lane.sender.emit(ROUTED, bytesOf(seq))
    await vi.waitFor(() => expect(handled).toHaveLength(20), WAIT)
    expect(lane.dispatched).toEqual([])

    decoderOf(lane.receiver).routes.get(LANE)!.delete(ROUTED)
    for (let seq = 20; seq < 30; seq++) lane.sender.emit(ROUTED, bytesOf(seq))
    await vi.waitFor(() => expect(handled).toHaveLength(30), WAIT)
    expect(handled).toEqual(Array.from({ length: 30 }, (_, seq) => seq))
    expect(lane.dispatched).toEqual(Array.from({ length: 10 }, () => ROUTED))
  })

  it('keeps the link up when a handler throws, surfacing the error on a later tick as Socket.IO does', async () => {
    const uncaught = catchUncaught()
    const handled: number[] = []
    const lane = await openLane(direction, {
      routed: (input) => {
        const seq = seqOf(input)
        handled.push(seq)
        if (seq % 2 === 1) throw new Error(`refused ${seq}`)
      },
    })
    const disconnects: unknown[] = []
    lane.server.on('disconnect', (reason) => disconnects.push(reason))
    lane.client.on('disconnect', (reason) => disconnects.push(reason))
    for (let seq = 0; seq < 4; seq++) lane.sender.emit(ROUTED, bytesOf(seq))
    // The same event on Socket.IO's path (an object argument) behaves alike.
    lane.sender.emit(ROUTED, { seq: 5 })
    await vi.waitFor(() => expect(uncaught.errors).toHaveLength(3), WAIT)
    expect(handled).toEqual([0, 1, 2, 3, 5])
    expect(uncaught.errors.map((error) => (error as Error).message)).toEqual(['refused 1', 'refused 3', 'refused 5'])
    expect(lane.dispatched).toEqual([ROUTED])

    lane.sender.emit(ROUTED, bytesOf(6))
    await vi.waitFor(() => expect(handled).toContain(6), WAIT)
    expect(disconnects).toEqual([])
    expect(lane.server.connected && lane.client.connected).toBe(true)
  })
})

/**
 * Catches uncaught exceptions for one test instead of the runner (which would fail the run on
 * them), and puts the runner's listeners back after it.
 */
function catchUncaught(): { errors: unknown[] } {
  const runners = process.listeners('uncaughtException')
  const errors: unknown[] = []
  process.removeAllListeners('uncaughtException')
  process.on('uncaughtException', (error) => errors.push(error))
  onCleanup(() => {
    process.removeAllListeners('uncaughtException')
    for (const listener of runners) process.on('uncaughtException', listener)
  })
  return { errors }
}

describe('direct delivery across disconnects', SOCKET_TESTS, () => {
  it('server: removes a socket’s route when it disconnects, leaving its connection’s other namespaces routed', async () => {
    const { io, url } = await startServer()
    const handled: Record<string, number[]> = { [LANE]: [], [SIDE]: [] }
    for (const nsp of [LANE, SIDE])
      io.of(nsp).on('connection', (socket) =>
        onDirectEvent(socket, ROUTED, (input) => handled[nsp]!.push(seqOf(input))),
      )
    const manager = openManager(url)
    const laneClient = manager.socket(LANE)
    const sideClient = manager.socket(SIDE)
    const laneServer = await join(io, LANE, laneClient)
    const sideServer = await join(io, SIDE, sideClient)
    const decoder = decoderOf(laneServer)
    expect(decoderOf(sideServer)).toBe(decoder)
    expect([...decoder.routes.keys()].sort()).toEqual([LANE, SIDE])

    const sideDropped = nextEvent(sideServer, 'disconnect')
    // The peer sends before it learns of the disconnect: nothing reaches the handler after it.
    laneServer.disconnect()
    expect(laneServer.connected).toBe(false)
    expect([...decoder.routes.keys()]).toEqual([SIDE])
    for (let seq = 0; seq < 10; seq++) laneClient.emit(ROUTED, bytesOf(seq))
    // Socket.IO closes a connection that sends to a namespace it left: by then the frames were read.
    await sideDropped
    expect(handled[LANE]).toEqual([])
  })

  it('client: removes the route on disconnect and sets it again on each reconnect', async () => {
    const { io, url } = await startServer()
    const manager = openManager(url, true)
    const laneClient = manager.socket(LANE)
    const sideClient = manager.socket(SIDE)
    const handled: number[] = []
    const dispatched: string[] = []
    onDirectClientEvent(laneClient, LANE, ROUTED, (input) => handled.push(seqOf(input)))
    onDirectClientEvent(sideClient, SIDE, ROUTED, () => undefined)
    laneClient.onAny((event: string) => dispatched.push(event))
    const decoder = decoderOf(laneClient)
    expect(decoder.routes.size).toBe(0)
    let laneServer = await join(io, LANE, laneClient)
    const sideServer = await join(io, SIDE, sideClient)
    expect([...decoder.routes.keys()].sort()).toEqual([LANE, SIDE])

    // The namespace alone leaves (the connection stays for SIDE); the server sends on the lane
    // before it hears of it, then on SIDE: by the time SIDE's event arrives, the lane's were read.
    const sideReached = nextEvent(sideClient, 'after')
    laneClient.disconnect()
    expect([...decoder.routes.keys()]).toEqual([SIDE])
    for (let seq = 0; seq < 10; seq++) laneServer.emit(ROUTED, bytesOf(seq))
    sideServer.emit('after')
    await sideReached
    expect(handled).toEqual([])

    // Back on the same connection: routed again.
    laneServer = await join(io, LANE, laneClient)
    expect([...decoder.routes.keys()].sort()).toEqual([LANE, SIDE])
    laneServer.emit(ROUTED, bytesOf(10))
    await vi.waitFor(() => expect(handled).toEqual([10]), WAIT)

    // The whole connection drops and the manager reconnects by itself: routed again.
    const reconnected = nextEvent(io.of(LANE), 'connection')
    const laneDown = nextEvent(laneClient, 'disconnect')
    laneServer.conn.close()
    await laneDown
    expect(decoder.routes.size).toBe(0)
    laneServer = (await reconnected)[0] as ServerSocket
    await vi.waitFor(() => expect(laneClient.connected).toBe(true), WAIT)
    expect(decoder.routes.has(LANE)).toBe(true)
    laneServer.emit(ROUTED, bytesOf(11))
    await vi.waitFor(() => expect(handled).toEqual([10, 11]), WAIT)
    expect(dispatched).toEqual([])
  })

  it('leaves no route on either side of a closed link', async () => {
    const lane = await openLane('client to server', { routed: () => undefined })
    onDirectClientEvent(lane.client, LANE, ROUTED, () => undefined)
    const serverDecoder = decoderOf(lane.server)
    const clientDecoder = decoderOf(lane.client)
    expect([serverDecoder.routes.size, clientDecoder.routes.size]).toEqual([1, 1])
    const closed = nextEvent(lane.server, 'disconnect')
    lane.client.disconnect()
    await closed
    expect([serverDecoder.routes.size, clientDecoder.routes.size]).toEqual([0, 0])
  })
})

describe('Decoder.destroy', () => {
  it('clears the routes: a bytes frame afterwards is handed to Socket.IO, not to the old handler', () => {
    const decoder = new Decoder()
    const routed = vi.fn()
    decoder.routes.set(LANE, new Map([[ROUTED, routed]]))
    const [frame] = new Encoder().encode({ type: 2, nsp: LANE, data: [ROUTED, bytesOf(1)] })
    decoder.add(frame)
    expect(routed).toHaveBeenCalledTimes(1)

    decoder.destroy()
    expect(decoder.routes.size).toBe(0)
    const decoded = vi.fn()
    decoder.on('decoded', decoded)
    decoder.add(frame)
    expect(routed).toHaveBeenCalledTimes(1)
    expect(decoded).toHaveBeenCalledTimes(1)
  })
})
