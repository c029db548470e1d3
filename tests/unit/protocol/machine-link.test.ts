import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Socket } from 'socket.io-client'
import { PROTOCOL_VERSION, SOCKET_PATHS, connectErrorCause, resolveManagerEndpoint } from '../../../protocol/index.js'
import {
  machineSocketOptions,
  nextReconnectDelayMs,
  superviseLink,
  syncAndDisconnect,
} from '../../../protocol/machine-link.js'
import { packetCodec } from '../../../protocol/packet-codec.js'

const plain = resolveManagerEndpoint('mgrhost', 8000, { tls: false })

/** The part of a socket.io-client socket the supervision uses: its events, connect and disconnect. */
class LinkSocket extends EventEmitter {
  connected = false
  connects = 0
  disconnects = 0
  connect(): void {
    this.connects++
  }
  disconnect(): void {
    this.disconnects++
  }
}

function supervised(ended = () => false) {
  const socket = new LinkSocket()
  const fatal: [string, string][] = []
  const retrying: string[] = []
  superviseLink(socket as unknown as Socket, plain, {
    ended,
    fatal: (code, message) => void fatal.push([code, message]),
    retrying: (cause) => void retrying.push(cause),
  })
  return { socket, fatal, retrying }
}

function connectError(message: string, extra: { data?: unknown; description?: unknown } = {}): Error {
  return Object.assign(new Error(message), extra)
}

describe('machineSocketOptions', () => {
  it('speaks the packet codec on the machine path, with the token on the upgrade and the protocol version in the handshake', () => {
    const options = machineSocketOptions(plain, 'secret', { clientId: 'c1' }, 5000)
    expect(options).toMatchObject({
      path: SOCKET_PATHS.machine,
      parser: packetCodec,
      transports: ['websocket'],
      auth: { clientId: 'c1', protocol: PROTOCOL_VERSION },
      extraHeaders: { authorization: 'Bearer secret' },
      reconnection: true,
      reconnectionAttempts: Infinity,
      timeout: 5000,
    })
  })
})

describe('nextReconnectDelayMs', () => {
  it('doubles from 250 ms and stops at 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(nextReconnectDelayMs)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000])
  })
})

describe('superviseLink', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('ends the link at a refusal a retry cannot fix, with the refusal code', () => {
    const { socket, fatal, retrying } = supervised()
    socket.emit('connect_error', connectError('invalid token', { data: { code: 'UNAUTHORIZED' } }))
    expect(fatal).toEqual([['UNAUTHORIZED', 'invalid token']])
    expect(socket.disconnects).toBe(1)
    expect(retrying).toEqual([])
  })

  it('ends the link when the manager only speaks TLS, naming what to pass', () => {
    const { socket, fatal } = supervised()
    socket.emit(
      'connect_error',
      connectError('websocket error', { description: new Error('Unexpected server response: 497') }),
    )
    expect(fatal).toHaveLength(1)
    expect(fatal[0]![0]).toBe('TLS_MISMATCH')
    expect(fatal[0]![1]).toMatch(/only accepts TLS/)
  })

  it('lets Socket.IO retry a network failure, reporting its innermost cause', () => {
    const { socket, fatal, retrying } = supervised()
    const error = connectError('websocket error', { description: new Error('connect ECONNREFUSED 127.0.0.1:8000') })
    socket.emit('connect_error', error)
    expect(retrying).toEqual(['connect ECONNREFUSED 127.0.0.1:8000'])
    expect(connectErrorCause(connectError('timeout'))).toBe('timeout')
    expect(fatal).toEqual([])
    expect(socket.disconnects).toBe(0)
  })

  it('reconnects after a server-side disconnect within a second, unless the link has ended', () => {
    let ended = false
    const { socket } = supervised(() => ended)
    socket.emit('disconnect', 'transport close')
    socket.emit('disconnect', 'io server disconnect')
    vi.advanceTimersByTime(1000)
    expect(socket.connects).toBe(1)
    socket.emit('disconnect', 'io server disconnect')
    ended = true
    vi.advanceTimersByTime(1000)
    socket.emit('disconnect', 'io server disconnect')
    vi.advanceTimersByTime(1000)
    expect(socket.connects).toBe(1)
  })
})

describe('syncAndDisconnect', () => {
  it('waits for the manager to answer link:sync before disconnecting, and gives up on it after the timeout', async () => {
    const events: string[] = []
    let answer: (() => void) | undefined
    const socket = {
      connected: true,
      timeout: (ms: number) => ({
        emitWithAck: (event: 'link:sync') => {
          events.push(`${event} within ${ms}`)
          return new Promise<void>((resolve) => (answer = resolve))
        },
      }),
      disconnect: () => void events.push('disconnect'),
    }
    const closing = syncAndDisconnect(socket, 2000)
    await Promise.resolve()
    expect(events).toEqual(['link:sync within 2000'])
    answer!()
    await closing
    expect(events).toEqual(['link:sync within 2000', 'disconnect'])

    const unanswered = { ...socket, timeout: () => ({ emitWithAck: () => Promise.reject(new Error('timed out')) }) }
    events.length = 0
    await syncAndDisconnect(unanswered, 2000)
    expect(events).toEqual(['disconnect'])
    await syncAndDisconnect({ ...socket, connected: false }, 2000)
    expect(events).toEqual(['disconnect', 'disconnect'])
  })
})
