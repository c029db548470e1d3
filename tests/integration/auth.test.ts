/**
 * The shared token: wrong ones are refused promptly and clearly, on every door of the manager.
 */
import { io, type Socket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION, machineUpgradeHeaders } from '../../protocol/index.js'
import { runArgon, startAgent, startManager } from '../helpers/processes.js'
import {
  connectOutcome,
  expectCode,
  fixture,
  openClient,
  rawMachineSocket,
  startCluster,
  withTimeout,
} from './support.js'

/** Connects a raw Socket.IO client and resolves with the `connect_error`'s data, or 'connected'. */
function controlOutcome(socket: Socket): Promise<unknown> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'))
    socket.once('connect_error', (error: Error & { data?: unknown }) =>
      resolve(error.data ?? { message: error.message }),
    )
  })
}

describe('authentication', () => {
  it('refuses a client with a wrong token promptly with UNAUTHORIZED', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha' }] })
    const client = openClient({ port: manager.port, token: 'not-the-token' })

    const started = Date.now()
    await expectCode(withTimeout(client.process(fixture('fib'), [5]), 10_000, 'the refused call'), 'UNAUTHORIZED')
    await expectCode(withTimeout(client.status(), 10_000, 'the refused status'), 'UNAUTHORIZED')
    expect(Date.now() - started).toBeLessThan(5_000)

    // The right token still works on the same manager.
    await expect(openClient(manager).process(fixture('fib'), [5])).resolves.toBe(5)
  })

  it('keeps an agent with a wrong token out and has it say why', async () => {
    const manager = await startManager()
    const agent = await startAgent(
      { address: manager.address, token: 'not-the-token' },
      { name: 'intruder', wait: false },
    )

    // Either it exits non-zero or it keeps retrying; in both cases it names the refusal.
    await agent.waitFor(/UNAUTHORIZED/, 15_000)
    expect(agent.output()).not.toMatch(/joined manager/)
    if (agent.child.exitCode !== null) expect(agent.child.exitCode).not.toBe(0)

    const client = openClient(manager)
    expect((await client.status()).nodes).toEqual([])
  })

  it('refuses the control namespace with a wrong token (connect_error with code UNAUTHORIZED)', async () => {
    const manager = await startManager()
    const url = `http://127.0.0.1:${manager.port}/control`

    const wrong = io(url, {
      path: '/control.io',
      auth: { token: 'not-the-token', protocol: PROTOCOL_VERSION },
      transports: ['websocket'],
      reconnection: false,
    })
    try {
      const data = await withTimeout(controlOutcome(wrong), 10_000, 'the control handshake')
      expect(data).toMatchObject({ code: 'UNAUTHORIZED' })
    } finally {
      wrong.close()
    }

    const right = io(url, {
      path: '/control.io',
      auth: { token: manager.token, protocol: PROTOCOL_VERSION },
      transports: ['websocket'],
      reconnection: false,
    })
    try {
      expect(await withTimeout(controlOutcome(right), 10_000, 'the control handshake')).toBe('connected')
      const reply: unknown = await withTimeout(
        right.timeout(5_000).emitWithAck('cluster:status'),
        10_000,
        'cluster:status',
      )
      expect(reply).toMatchObject({ ok: true, value: { nodes: [] } })
    } finally {
      right.close()
    }

    const cli = await runArgon(['nodes', '--manager', manager.address, '--token', 'not-the-token'])
    expect(cli.code).not.toBe(0)
    expect(cli.code).not.toBeNull()
    expect(cli.output).toContain('UNAUTHORIZED')
  })

  it('refuses a machine connection with a wrong token or protocol version, at the upgrade and at the handshake', async () => {
    const manager = await startManager()
    const auth = (token: string, protocol = PROTOCOL_VERSION) => ({ token, protocol, clientId: 'x'.repeat(16) })
    const outcome = (socket: ReturnType<typeof rawMachineSocket>) =>
      withTimeout(connectOutcome(socket), 10_000, 'the connection attempt')

    // At the upgrade: no token, a wrong one, a wrong protocol version.
    expect(await outcome(rawMachineSocket(manager.port, '/client', auth(manager.token), {}))).toBe('UNAUTHORIZED')
    expect(
      await outcome(
        rawMachineSocket(manager.port, '/client', auth(manager.token), machineUpgradeHeaders('not-the-token')),
      ),
    ).toBe('UNAUTHORIZED')
    expect(
      await outcome(
        rawMachineSocket(manager.port, '/client', auth(manager.token), {
          ...machineUpgradeHeaders(manager.token),
          'x-argon-protocol': String(PROTOCOL_VERSION + 100),
        }),
      ),
    ).toBe('PROTOCOL_MISMATCH')
    // Past the upgrade, the namespace handshake checks again.
    expect(
      await outcome(
        rawMachineSocket(manager.port, '/client', auth('not-the-token'), machineUpgradeHeaders(manager.token)),
      ),
    ).toBe('UNAUTHORIZED')
    expect(await outcome(rawMachineSocket(manager.port, '/client', auth(manager.token, PROTOCOL_VERSION + 100)))).toBe(
      'PROTOCOL_MISMATCH',
    )
    expect(await outcome(rawMachineSocket(manager.port, '/client', auth(manager.token)))).toBe('connected')
  })

  it('answers /health without a token', async () => {
    const manager = await startManager()
    const response = await fetch(`http://127.0.0.1:${manager.port}/health`)
    expect(response.status).toBe(200)
  })
})
