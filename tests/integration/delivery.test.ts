/**
 * Answers for a client that is briefly away: the manager keeps them (by client id) and delivers
 * them when the client comes back on a new connection.
 */
import { describe, expect, it } from 'vitest'
import type { Socket } from 'socket.io-client'
import {
  NAMESPACES,
  PROTOCOL_VERSION,
  answersOf,
  encodeValue,
  decodeValue,
  taskFrameOf,
  type TaskOutcome,
} from '../../protocol/index.js'
import { fixture, rawMachineSocket, startCluster, withTimeout } from './support.js'

/** A raw client connection with a chosen client id (the Client class makes its own). */
async function connectAs(port: number, token: string, clientId: string): Promise<Socket> {
  const socket = rawMachineSocket(port, NAMESPACES.client, { token, protocol: PROTOCOL_VERSION, clientId })
  await withTimeout(new Promise<void>((resolve) => socket.once('connect', () => resolve())), 10_000, 'connect')
  return socket
}

/** Collects every answer the socket gets, and waits for a given id. */
function answersOn(socket: Socket) {
  const answers: TaskOutcome[] = []
  const waiters = new Map<string, () => void>()
  socket.on('task:settled', (frame: Uint8Array) => {
    for (const outcome of answersOf(frame)) {
      answers.push(outcome)
      waiters.get(outcome.id)?.()
    }
  })
  return {
    answers,
    waitFor: (id: string) =>
      withTimeout(
        new Promise<TaskOutcome>((resolve) => {
          const found = answers.find((outcome) => outcome.id === id)
          if (found) return resolve(found)
          waiters.set(id, () => resolve(answers.find((outcome) => outcome.id === id)!))
        }),
        15_000,
        `answer to ${id}`,
      ),
  }
}

describe('delivery to a client that reconnects', () => {
  it('keeps the answer of a task that finished while its client was away and delivers it on reconnect', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha', workers: 1 }] })
    const clientId = 'client-away-0001'
    const first = await connectAs(manager.port, manager.token, clientId)
    first.emit(
      'task:submit',
      taskFrameOf([
        { id: `${clientId}-1`, fn: { kind: 'module', ...fixture('sleep') }, args: encodeValue([400, 'kept']) },
      ]),
    )
    // Leave before the task can finish (once the manager has handled the submission).
    await first.timeout(5000).emitWithAck('link:sync')
    first.disconnect()

    const second = await connectAs(manager.port, manager.token, clientId)
    const outcome = await answersOn(second).waitFor(`${clientId}-1`)
    expect(outcome.ok).toBe(true)
    if (outcome.ok) expect(decodeValue(outcome.result)).toBe('kept')
  })

  it('answers a resubmitted id once: the copy sent after reconnecting does not run a second answer', async () => {
    const { manager } = await startCluster({ agents: [{ name: 'alpha', workers: 1 }] })
    const clientId = 'client-twice-0001'
    const task = {
      id: `${clientId}-1`,
      fn: { kind: 'module' as const, ...fixture('sleep') },
      args: encodeValue([300, 'once']),
    }
    const first = await connectAs(manager.port, manager.token, clientId)
    first.emit('task:submit', taskFrameOf([task]))
    await first.timeout(5000).emitWithAck('link:sync')
    first.disconnect()
    const second = await connectAs(manager.port, manager.token, clientId)
    const received = answersOn(second)
    second.emit('task:submit', taskFrameOf([task]))
    await received.waitFor(task.id)
    // One worker, FIFO: a second run of the task would be answered before this later one.
    second.emit(
      'task:submit',
      taskFrameOf([
        { id: `${clientId}-2`, fn: { kind: 'module', ...fixture('sleep') }, args: encodeValue([10, 'marker']) },
      ]),
    )
    await received.waitFor(`${clientId}-2`)
    expect(received.answers.filter((outcome) => outcome.id === task.id)).toHaveLength(1)
  })
})
