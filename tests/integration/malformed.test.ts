/**
 * Frames no real client would send: each is answered with a code, and the manager stays up and
 * keeps serving real clients.
 */
import type { Socket } from 'socket.io-client'
import { describe, expect, it, vi } from 'vitest'
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  FunctionTable,
  PROTOCOL_VERSION,
  TaskFrameWriter,
  answersOf,
  functionEntry,
  taskFrameOf,
  type TaskOutcome,
  type WireError,
} from '../../protocol/index.js'
import { fixture, openClient, rawMachineSocket, startCluster, withTimeout } from './support.js'

interface RawClient {
  socket: Socket
  settled: Map<string, TaskOutcome>
  rejected: WireError[]
  waitSettled(id: string): Promise<TaskOutcome>
}

/** A machine-path connection that speaks the codec but sends whatever the test wants. */
async function rawClient(port: number, token: string): Promise<RawClient> {
  const socket = rawMachineSocket(port, '/client', { token, protocol: PROTOCOL_VERSION, clientId: 'x'.repeat(16) })
  const settled = new Map<string, TaskOutcome>()
  const rejected: WireError[] = []
  socket.on('task:settled', (frame: Uint8Array) => {
    for (const outcome of answersOf(frame)) settled.set(outcome.id, outcome)
  })
  socket.on('request:rejected', (error: WireError) => rejected.push(error))
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve())
      socket.once('connect_error', reject)
    }),
    10_000,
    'the raw connection',
  )
  return {
    socket,
    settled,
    rejected,
    waitSettled: (id) =>
      vi.waitFor(
        () => {
          const outcome = settled.get(id)
          if (!outcome) throw new Error(`no task:settled for ${id} yet`)
          return outcome
        },
        { timeout: 10_000, interval: 20 },
      ),
  }
}

function errorCode(outcome: TaskOutcome): string | undefined {
  return outcome.ok ? undefined : outcome.error.code
}

const source = (text: string) => ({ kind: 'source' as const, source: text })
const identity = functionEntry(source('(x) => x'))

/** One task per frame with whatever options the test wants (the writer does not check them). */
function frameWith(id: string, options: { timeout?: number; priority?: number; table?: FunctionTable } = {}): Buffer {
  const writer = new TaskFrameWriter(options.table ?? new FunctionTable())
  const args = Buffer.from([1])
  writer.add(id, identity, 0, options.timeout ?? 0, options.priority ?? 1, args, 0, 1)
  return writer.finish()
}

describe('malformed frames', () => {
  it('answers each bad task with BAD_REQUEST or PAYLOAD_TOO_LARGE and keeps serving', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const raw = await rawClient(manager.port, manager.token)
    const args = new Uint8Array([1, 2, 3])

    // Not a batch at all: nothing to answer by id.
    raw.socket.emit('task:submit', 'garbage')
    await vi.waitFor(() => expect(raw.rejected.map((error) => error.code)).toContain('BAD_REQUEST'), {
      timeout: 10_000,
    })
    const before = raw.rejected.length
    raw.socket.emit('task:submit', [])
    raw.socket.emit('task:submit', { id: 'not-in-an-array' })
    await vi.waitFor(() => expect(raw.rejected.length).toBeGreaterThanOrEqual(before + 2), { timeout: 10_000 })
    for (const error of raw.rejected) expect(error.code).toBe('BAD_REQUEST')

    // Tasks with a readable id are answered one by one, each with its own code.
    raw.socket.emit('task:submit', frameWith('huge-timeout', { timeout: 2 ** 31 }))
    raw.socket.emit('task:submit', frameWith('bad-priority', { priority: 9 }))
    // A function number this connection never defined (its definition went out in a frame never sent).
    const table = new FunctionTable()
    frameWith('never-sent', { table })
    raw.socket.emit('task:submit', frameWith('unknown-function', { table }))
    // A definition that is not a function: the whole frame is refused, each of its ids answered.
    const badDefinition = Buffer.from(
      taskFrameOf([
        { id: 'number-source', fn: source('() => 1'), args },
        { id: 'same-frame', fn: source('() => 1'), args },
      ])
        .toString('latin1')
        .replace('"source":"() => 1"', '"source":424242424'),
      'latin1',
    )
    raw.socket.emit('task:submit', badDefinition)
    // Offsets that run backwards: refused whole, each id answered.
    const backwards = taskFrameOf([
      { id: 'offsets-a', fn: source('() => 1'), args },
      { id: 'offsets-b', fn: source('() => 1'), args },
    ])
    backwards.writeUInt32LE(5, backwards.length - 2 * args.length - 12 + 4)
    raw.socket.emit('task:submit', backwards)
    for (const id of [
      'huge-timeout',
      'bad-priority',
      'unknown-function',
      'number-source',
      'same-frame',
      'offsets-a',
      'offsets-b',
    ]) {
      expect(errorCode(await raw.waitSettled(id)), id).toBe('BAD_REQUEST')
    }
    expect(raw.settled.has('never-sent')).toBe(false)

    raw.socket.emit(
      'task:submit',
      taskFrameOf([{ id: 'too-large', fn: source('(x) => x'), args: new Uint8Array(DEFAULT_MAX_PAYLOAD_BYTES + 1) }]),
    )
    expect(errorCode(await raw.waitSettled('too-large'))).toBe('PAYLOAD_TOO_LARGE')

    // Garbage on the other events changes nothing either.
    raw.socket.emit('task:cancel', 'garbage')
    raw.socket.emit('task:cancel', [{ id: 12, reason: 'because' }])
    raw.socket.emit('cluster:status', 'no ack here')
    raw.socket.emit('no:such-event', { a: 1 })

    // The same connection is still served: an ack'd status request answers.
    const reply: unknown = await withTimeout(
      raw.socket.timeout(5_000).emitWithAck('cluster:status'),
      10_000,
      'cluster:status on the raw socket',
    )
    expect(reply).toMatchObject({ ok: true })

    // A normal client's task still succeeds, and no slot or queue entry was left behind.
    const client = openClient(manager)
    await expect(client.process(fixture('fib'), [12])).resolves.toBe(144)
    const status = await client.status()
    expect(status.queued).toBe(0)
    expect(status.running).toBe(0)
    expect(manager.child.exitCode).toBeNull()
  })

  it('survives a frame the codec cannot read', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const raw = await rawClient(manager.port, manager.token)

    const gone = new Promise<void>((resolve) => raw.socket.once('disconnect', () => resolve()))
    // Bytes that are not a V8-serialized packet, straight onto the WebSocket.
    raw.socket.io.engine.write(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]))
    // Dropping the connection is a fine answer; so is a request:rejected on a live one.
    await withTimeout(
      Promise.race([gone, vi.waitFor(() => expect(raw.rejected.length).toBeGreaterThan(0), { timeout: 10_000 })]),
      10_000,
      'a reaction to the unreadable frame',
    )

    const response = await fetch(`http://127.0.0.1:${manager.port}/health`)
    expect(response.status).toBe(200)
    await expect(openClient(manager).process(fixture('fib'), [11])).resolves.toBe(89)
    expect(manager.child.exitCode).toBeNull()
  })
})
