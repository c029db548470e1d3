/**
 * Frames no real client would send: each is answered with a code, and the manager stays up and
 * keeps serving real clients.
 */
import type { Socket } from 'socket.io-client'
import { describe, expect, it, vi } from 'vitest'
import { DEFAULT_MAX_PAYLOAD_BYTES, PROTOCOL_VERSION, type TaskOutcome, type WireError } from '../../protocol/index.js'
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
  socket.on('task:settled', (outcomes: TaskOutcome[]) => {
    for (const outcome of outcomes) settled.set(outcome.id, outcome)
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

const source = (text: string) => ({ kind: 'source', source: text })

describe('malformed frames', () => {
  it('answers each bad task with BAD_REQUEST or PAYLOAD_TOO_LARGE and keeps serving', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const raw = await rawClient(manager.port, manager.token)
    const args = new Uint8Array([1, 2, 3])

    // Not a batch at all: nothing to answer by id.
    raw.socket.emit('task:submit', 'garbage')
    await vi.waitFor(() => expect(raw.rejected.map((error) => error.code)).toContain('BAD_REQUEST'), { timeout: 10_000 })
    const before = raw.rejected.length
    raw.socket.emit('task:submit', [])
    raw.socket.emit('task:submit', { id: 'not-in-an-array' })
    await vi.waitFor(() => expect(raw.rejected.length).toBeGreaterThanOrEqual(before + 2), { timeout: 10_000 })
    for (const error of raw.rejected) expect(error.code).toBe('BAD_REQUEST')

    // Items with a readable id are answered one by one, each with its own code.
    raw.socket.emit('task:submit', [
      { id: 'wrong-types', fn: source('() => 1'), args: 'not bytes' },
      { id: 'number-source', fn: { kind: 'source', source: 42 }, args },
      { id: 'unknown-kind', fn: { kind: 'shell', command: 'true' }, args },
      { id: 'negative-timeout', fn: source('() => 1'), args, timeout: -5 },
      { id: 'bad-priority', fn: source('() => 1'), args, priority: 'urgent' },
      { id: 'no-fn', args },
      42,
      null,
    ])
    for (const id of ['wrong-types', 'number-source', 'unknown-kind', 'negative-timeout', 'bad-priority', 'no-fn']) {
      expect(errorCode(await raw.waitSettled(id)), id).toBe('BAD_REQUEST')
    }

    raw.socket.emit('task:submit', [{ id: 'too-large', fn: source('(x) => x'), args: new Uint8Array(DEFAULT_MAX_PAYLOAD_BYTES + 1) }])
    expect(errorCode(await raw.waitSettled('too-large'))).toBe('PAYLOAD_TOO_LARGE')

    // Garbage on the other events changes nothing either.
    raw.socket.emit('task:cancel', 'garbage')
    raw.socket.emit('task:cancel', [{ id: 12, reason: 'because' }])
    raw.socket.emit('cluster:status', 'no ack here')
    raw.socket.emit('no:such-event', { a: 1 })

    // The same connection is still served: an ack'd status request answers.
    const reply = await withTimeout(raw.socket.timeout(5_000).emitWithAck('cluster:status'), 10_000, 'cluster:status on the raw socket')
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
