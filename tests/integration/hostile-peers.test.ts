/**
 * Peers that lie or attack: strangers that try to make the manager buffer, authenticated peers
 * that send Socket.IO's own event names, forge answers, take over a node id, or send outcomes the
 * manager cannot read. Each is refused with a code; nobody else notices.
 */
import { connect as tcpConnect, type Socket as TcpSocket } from 'node:net'
import { readFileSync } from 'node:fs'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { Manager as SocketManager, type Socket } from 'socket.io-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  NAMESPACES,
  PROTOCOL_VERSION,
  answersOf,
  assignmentsOf,
  encodeValue,
  nodeOutcomeFrameOf,
  taskFrameOf,
  type NodeTaskOutcome,
  type TaskOutcome,
  type WireError,
} from '../../protocol/index.js'
import { runArgon } from '../helpers/processes.js'
import {
  connectOutcome,
  emitRaw,
  expectCode,
  fixture,
  openClient,
  rawMachineSocket,
  startCluster,
  waitForStatus,
  withTimeout,
} from './support.js'

const tcpSockets = new Set<TcpSocket>()
afterEach(() => {
  for (const socket of tcpSockets) socket.destroy()
  tcpSockets.clear()
})

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'))
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024
}

/** Sends a WebSocket upgrade (no token) and the first `bytes` of a 60 MiB binary frame, then stalls. */
function stalledUpgrade(port: number, path: string, bytes: number): Promise<{ status: string; closed: Promise<void> }> {
  const socket = tcpConnect(port, '127.0.0.1')
  tcpSockets.add(socket)
  socket.on('error', () => undefined)
  const closed = once(socket, 'close').then(() => undefined)
  return new Promise((resolve) => {
    let answer = ''
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1')
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]
      if (status) resolve({ status, closed })
    })
    socket.write(
      `GET ${path}/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
    )
    // A masked binary frame header announcing 60 MiB, then part of it.
    const header = Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x03, 0xc0, 0, 0, 1, 2, 3, 4])
    socket.write(Buffer.concat([header, Buffer.alloc(bytes, 0x61)]))
  })
}

/** A raw `/node` connection registered as a node with the given id and secret; it sends one heartbeat on connecting (so it gets work). */
function rawNode(port: number, token: string, nodeId: string, nodeSecret: string, name = 'raw-node'): Socket {
  const socket = rawMachineSocket(port, NAMESPACES.node, {
    token,
    protocol: PROTOCOL_VERSION,
    nodeId,
    nodeSecret,
    name,
    host: 'raw',
    workers: 1,
    pid: 1,
    version: 'test',
  })
  socket.on('connect', () =>
    socket.emit('node:heartbeat', { busy: 0, workerBusy: [false], cpu: 0, memoryBytes: 0, uptimeSeconds: 1 }),
  )
  return socket
}

function collectRejections(socket: Socket): WireError[] {
  const rejected: WireError[] = []
  socket.on('request:rejected', (error: WireError) => rejected.push(error))
  return rejected
}

async function connected(socket: Socket): Promise<void> {
  expect(await withTimeout(connectOutcome(socket), 10_000, 'the raw connection')).toBe('connected')
}

/** Resolves once the manager has handled every frame sent on `socket` before this call. */
async function synced(socket: Socket): Promise<void> {
  await withTimeout(socket.timeout(30_000).emitWithAck('link:sync'), 35_000, 'link:sync')
}

describe('strangers', () => {
  it('turns unauthenticated upgrades away before buffering their frames (100 stalled connections move RSS < 50 MiB)', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const client = openClient(manager)
    await expect(client.process(fixture('fib'), [10])).resolves.toBe(55)
    const before = rssBytes(manager.pid)

    const attempts = await Promise.all(
      Array.from({ length: 100 }, () => stalledUpgrade(manager.port, '/argon.io', 2 * 1024 * 1024)),
    )
    expect(new Set(attempts.map((attempt) => attempt.status))).toEqual(new Set(['401']))
    const grown = rssBytes(manager.pid) - before
    expect(grown).toBeLessThan(50 * 1024 * 1024)
    // The manager closes them itself; nothing is left holding memory.
    await withTimeout(Promise.all(attempts.map((attempt) => attempt.closed)), 15_000, 'the refused sockets to close')

    // The control path accepts the upgrade (browsers cannot send headers) but reads small frames only.
    // Each announces a 60 MiB frame; the header alone is enough for the manager to close it.
    const control = await Promise.all(
      Array.from({ length: 100 }, () => stalledUpgrade(manager.port, '/control.io', 64 * 1024)),
    )
    expect(new Set(control.map((attempt) => attempt.status))).toEqual(new Set(['101']))
    await withTimeout(
      Promise.all(control.map((attempt) => attempt.closed)),
      15_000,
      'the oversized control frames to close their sockets',
    )
    expect(rssBytes(manager.pid) - before).toBeLessThan(50 * 1024 * 1024)

    await expect(client.process(fixture('fib'), [11])).resolves.toBe(89)
  })
})

describe('handshakes', () => {
  it('drops a connection that never finishes its Socket.IO handshake within seconds', async () => {
    const { manager } = await startCluster({ agents: [] })
    // The operators' path takes the upgrade without a token (browsers cannot send one): it must
    // not keep a half-open connection for the default 45 s.
    const engine = new SocketManager(`http://127.0.0.1:${manager.port}`, {
      path: '/control.io',
      transports: ['websocket'],
      reconnection: false,
      autoConnect: false,
    })
    try {
      const opened = new Promise<void>((resolve, reject) => engine.open((error) => (error ? reject(error) : resolve())))
      await withTimeout(opened, 10_000, 'the engine connection')
      const closed = new Promise<void>((resolve) => engine.engine.once('close', () => resolve()))
      await withTimeout(closed, 15_000, 'the manager to drop a connection that never joined a namespace')
    } finally {
      engine.engine?.close()
    }
  })
})

describe('reserved event names', () => {
  it('answers a client that sends "disconnect" with BAD_REQUEST and keeps its session', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const raw = rawMachineSocket(manager.port, NAMESPACES.client, {
      token: manager.token,
      protocol: PROTOCOL_VERSION,
      clientId: 'reserved-client-1',
    })
    const rejected = collectRejections(raw)
    const answers = new Map<string, TaskOutcome>()
    raw.on('task:settled', (frame: Uint8Array) =>
      answersOf(frame).forEach((outcome) => answers.set(outcome.id, outcome)),
    )
    await connected(raw)

    for (const name of ['disconnect', 'disconnecting', 'error', 'newListener', 'removeListener']) {
      emitRaw(raw, NAMESPACES.client, name, 'transport close')
    }
    await synced(raw)
    await vi.waitFor(
      () => expect(rejected.filter((error) => error.message.includes('reserved event name'))).toHaveLength(5),
      { timeout: 10_000 },
    )
    for (const error of rejected) expect(error.code).toBe('BAD_REQUEST')

    // Still the same session: a task submitted now is answered on this socket.
    raw.emit(
      'task:submit',
      taskFrameOf([
        { id: 'reserved-client-1-t1', fn: { kind: 'source', source: '(a, b) => a + b' }, args: encodeValue([2, 3]) },
      ]),
    )
    await vi.waitFor(() => expect(answers.get('reserved-client-1-t1')).toMatchObject({ ok: true }), { timeout: 10_000 })
    expect(raw.connected).toBe(true)
  })

  it('keeps a node that sends "disconnect" connected, active and holding its tasks', async () => {
    const { manager } = await startCluster({ agents: [] })
    const raw = rawNode(manager.port, manager.token, 'reserved-node-0001', 's'.repeat(32), 'raw-reserved')
    const rejected = collectRejections(raw)
    const runs: string[] = []
    raw.on('task:run', (frame: Uint8Array) => assignmentsOf(frame).forEach((task) => runs.push(task.id)))
    await connected(raw)

    const client = openClient(manager)
    const pending = client.process((x: number) => x * 2, [21])
    await vi.waitFor(() => expect(runs).toHaveLength(1), { timeout: 10_000 })
    emitRaw(raw, NAMESPACES.node, 'disconnect', 'transport close')
    await synced(raw)
    await vi.waitFor(
      () =>
        expect(rejected.some((error) => error.code === 'BAD_REQUEST' && error.message.includes('reserved'))).toBe(true),
      { timeout: 10_000 },
    )

    const status = await client.status()
    expect(status.nodes).toMatchObject([{ name: 'raw-reserved', state: 'active', assigned: 1 }])
    // The task was not re-queued behind the node's back: its answer still comes from this node.
    const outcome: NodeTaskOutcome = { id: runs[0]!, attempt: 1, ok: true, result: encodeValue(42), ms: 1 }
    raw.emit('task:settled', nodeOutcomeFrameOf([outcome]))
    await expect(pending).resolves.toBe(42)
  })
})

describe('least trust between peers', () => {
  it('drops an answer from a node that was never given the task', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'honest' }] })
    const submitter = rawMachineSocket(manager.port, NAMESPACES.client, {
      token: manager.token,
      protocol: PROTOCOL_VERSION,
      clientId: 'forgery-victim-1',
    })
    const answers: TaskOutcome[] = []
    submitter.on('task:settled', (frame: Uint8Array) => answers.push(...answersOf(frame)))
    await connected(submitter)
    const id = 'forgery-victim-1-slow'
    submitter.emit(
      'task:submit',
      taskFrameOf([{ id, fn: { kind: 'module', ...fixture('sleep') }, args: encodeValue([1500, 'real']) }]),
    )
    const observer = openClient(manager)
    await waitForStatus(observer, (status) => expect(status.running).toBe(1))

    const forger = rawNode(manager.port, manager.token, 'forger-node-0001', 'f'.repeat(32), 'forger')
    const rejected = collectRejections(forger)
    await connected(forger)
    forger.emit(
      'task:settled',
      nodeOutcomeFrameOf([
        { id, attempt: 1, ok: true, result: encodeValue('forged'), ms: 1 } satisfies NodeTaskOutcome,
      ]),
    )
    await synced(forger)
    expect(answers).toEqual([])

    await vi.waitFor(() => expect(answers).toHaveLength(1), { timeout: 15_000 })
    expect(answers[0]).toMatchObject({ id, ok: true, node: 'honest' })
    expect(rejected).toEqual([])
    expect(manager.output()).toMatch(/never given the task/)
  })

  it('refuses a registration that reuses a live node id without its secret', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'owner' }] })
    const client = openClient(manager)
    const owner = await waitForStatus(client, (status) => {
      expect(status.nodes).toHaveLength(1)
      return status.nodes[0]!
    })
    const thief = rawNode(manager.port, manager.token, owner.id, 'not-the-secret-of-the-owner', 'thief')
    expect(await withTimeout(connectOutcome(thief), 10_000, 'the takeover attempt')).toBe('UNAUTHORIZED')

    const status = await client.status()
    expect(status.nodes).toMatchObject([{ id: owner.id, name: 'owner', state: 'active' }])
    await expect(client.process(fixture('fib'), [12])).resolves.toBe(144)
  })

  it('answers a task whose node sent an unreadable outcome with BAD_REQUEST and frees the slot', async () => {
    const { manager } = await startCluster({ agents: [] })
    const raw = rawNode(manager.port, manager.token, 'garbled-node-0001', 'g'.repeat(32), 'garbled')
    const runs: string[] = []
    raw.on('task:run', (frame: Uint8Array) => assignmentsOf(frame).forEach((task) => runs.push(task.id)))
    await connected(raw)
    const client = openClient(manager)
    const pending = client.process((x: number) => x, [1])
    await vi.waitFor(() => expect(runs).toHaveLength(1), { timeout: 10_000 })

    raw.emit(
      'task:settled',
      nodeOutcomeFrameOf([
        {
          id: runs[0]!,
          attempt: 1,
          ok: false,
          error: { code: 'NO_SUCH_CODE', message: 42 } as unknown as WireError,
          ms: 0,
        },
      ]),
    )
    const error = await expectCode(pending, 'BAD_REQUEST')
    expect(error.message).toMatch(/invalid outcome/)
    expect((await client.status()).running).toBe(0)
  })
})

describe('clients touch only their own tasks', () => {
  it('ignores another client cancelling or resubmitting a task id it does not own', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const owner = rawMachineSocket(manager.port, NAMESPACES.client, {
      token: manager.token,
      protocol: PROTOCOL_VERSION,
      clientId: 'owner-client-01',
    })
    const intruder = rawMachineSocket(manager.port, NAMESPACES.client, {
      token: manager.token,
      protocol: PROTOCOL_VERSION,
      clientId: 'other-client-01',
    })
    const ownerAnswers: TaskOutcome[] = []
    const intruderAnswers: TaskOutcome[] = []
    owner.on('task:settled', (frame: Uint8Array) => ownerAnswers.push(...answersOf(frame)))
    intruder.on('task:settled', (frame: Uint8Array) => intruderAnswers.push(...answersOf(frame)))
    await connected(owner)
    await connected(intruder)

    const id = 'owner-client-01-t1'
    owner.emit(
      'task:submit',
      taskFrameOf([{ id, fn: { kind: 'module', ...fixture('sleep') }, args: encodeValue([800, 'mine']) }]),
    )
    await synced(owner)
    intruder.emit('task:cancel', [{ id, reason: 'cancel' }])
    intruder.emit(
      'task:submit',
      taskFrameOf([{ id, fn: { kind: 'source', source: '() => "theirs"' }, args: encodeValue([]) }]),
    )
    await synced(intruder)

    await vi.waitFor(() => expect(ownerAnswers).toHaveLength(1), { timeout: 15_000 })
    expect(ownerAnswers[0]).toMatchObject({ id, ok: true })
    expect(intruderAnswers).toMatchObject([{ id, ok: false, error: { code: 'BAD_REQUEST' } }])
  })
})

describe('every task is answered', () => {
  it('cuts a 70 KB error message to the wire limit with a marker', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const client = openClient(manager)
    const error = await expectCode(
      client.process(() => {
        throw new Error('x'.repeat(70_000))
      }, []),
      'TASK_FAILED',
    )
    expect(error.message.length).toBeLessThanOrEqual(64 * 1024)
    expect(error.message).toMatch(/more characters cut\]$/)
    const status = await client.status()
    expect(status.running).toBe(0)
    expect(status.nodes[0]).toMatchObject({ state: 'active', assigned: 0 })
  })

  it('fails a 70 MB result with PAYLOAD_TOO_LARGE at once, without losing the node', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const client = openClient(manager)
    await expectCode(
      client.process(() => new Uint8Array(70 * 1024 * 1024), []),
      'PAYLOAD_TOO_LARGE',
    )
    const status = await client.status()
    expect(status.running).toBe(0)
    expect(status.nodes[0]).toMatchObject({ state: 'active', assigned: 0 })
    expect(manager.output()).not.toMatch(/node disconnected/)
    await expect(client.process(fixture('fib'), [10])).resolves.toBe(55)
  })

  it('refuses a --max-payload larger than a frame can carry at start-up', async () => {
    const result = await runArgon([
      'manager',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--token',
      'test-token-0123456789abcdef',
      '--max-payload',
      '100m',
    ])
    expect(result.code).not.toBe(0)
    expect(result.output).toMatch(/maxPayloadBytes|max-payload/)
  })
})

describe('logs an attacker cannot flood', () => {
  it('cuts peer-chosen text, rate-limits repeated warnings and closes a connection that keeps sending junk', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const client = openClient(manager)
    await expect(client.process(fixture('fib'), [10])).resolves.toBe(55)
    const raw = rawMachineSocket(manager.port, NAMESPACES.client, {
      token: manager.token,
      protocol: PROTOCOL_VERSION,
      clientId: 'log-flooder-1',
    })
    const rejected = collectRejections(raw)
    await connected(raw)
    const linesBefore = manager.output().split('\n').length
    const hugeId = 'i'.repeat(1024 * 1024)
    for (let i = 0; i < 100; i++) raw.emit('task:submit', [{ id: hugeId, fn: 42, args: 'x' }])
    await synced(raw)
    const cut = new Promise<void>((resolve) => raw.once('disconnect', () => resolve()))
    // Past its budget of bad frames (1,000 in 10 s) the connection is closed.
    for (let i = 0; i < 3000; i++) raw.emit(`no:such-event-${'e'.repeat(10_000)}`, i)
    await withTimeout(cut, 30_000, 'the flooding connection to be closed')
    await manager.waitFor(/too many bad frames/, 10_000)

    // A few detailed answers a second, not one per frame.
    expect(rejected.length).toBeGreaterThan(0)
    expect(rejected.length).toBeLessThan(200)
    const added = manager.output().split('\n').slice(linesBefore)
    expect(added.length).toBeLessThan(50)
    for (const line of added) expect(line.length).toBeLessThan(4096)

    await expect(client.process(fixture('fib'), [10])).resolves.toBe(55)
  })
})
