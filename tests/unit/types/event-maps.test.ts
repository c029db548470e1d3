/**
 * Type tests of the protocol's event maps, as both ends use them with Socket.IO: an event renamed,
 * an argument reshaped or an ack dropped fails `npm run typecheck` here first.
 */
import type { Namespace } from 'socket.io'
import type { Socket } from 'socket.io-client'
import { describe, expectTypeOf, it } from 'vitest'
import type {
  Ack,
  ClientToManagerEvents,
  ClusterStatus,
  ControlToManagerEvents,
  DashboardUpdate,
  JobStatus,
  ManagerToClientEvents,
  ManagerToControlEvents,
  ManagerToNodeEvents,
  NodeHeartbeat,
  NodeStatus,
  NodeToManagerEvents,
  Reply,
  TaskPage,
  WireError,
} from '../../../protocol/index.js'

type EventName = `${string}:${string}`

describe('event maps', () => {
  it('name every event noun:verb', () => {
    expectTypeOf<keyof ClientToManagerEvents>().toMatchTypeOf<EventName>()
    expectTypeOf<keyof ManagerToClientEvents>().toMatchTypeOf<EventName>()
    expectTypeOf<keyof NodeToManagerEvents>().toMatchTypeOf<EventName>()
    expectTypeOf<keyof ManagerToNodeEvents>().toMatchTypeOf<EventName>()
    expectTypeOf<keyof ControlToManagerEvents>().toMatchTypeOf<EventName>()
    expectTypeOf<keyof ManagerToControlEvents>().toMatchTypeOf<EventName>()
  })

  it('carry hot frames as bytes, and everything else as typed messages', () => {
    expectTypeOf<ClientToManagerEvents['task:submit']>().parameters.toEqualTypeOf<[frame: Uint8Array]>()
    expectTypeOf<ManagerToClientEvents['task:settled']>().parameters.toEqualTypeOf<[frame: Uint8Array]>()
    expectTypeOf<NodeToManagerEvents['task:settled']>().parameters.toEqualTypeOf<[frame: Uint8Array]>()
    expectTypeOf<ManagerToNodeEvents['task:run']>().parameters.toEqualTypeOf<[frame: Uint8Array]>()
    expectTypeOf<NodeToManagerEvents['node:heartbeat']>().parameters.toEqualTypeOf<[beat: NodeHeartbeat]>()
    expectTypeOf<ManagerToControlEvents['dashboard:update']>().parameters.toEqualTypeOf<[update: DashboardUpdate]>()
    expectTypeOf<ManagerToClientEvents['request:rejected']>().parameters.toEqualTypeOf<[error: WireError]>()
  })

  it('answer every request with a Reply: a value or a wire error', () => {
    expectTypeOf<Reply<number>>().toEqualTypeOf<{ ok: true; value: number } | { ok: false; error: WireError }>()
    expectTypeOf<Ack<ClusterStatus>>().toEqualTypeOf<(reply: Reply<ClusterStatus>) => void>()
    expectTypeOf<ClientToManagerEvents['cluster:status']>().parameters.toEqualTypeOf<[ack: Ack<ClusterStatus>]>()
    expectTypeOf<ControlToManagerEvents['node:drain']>().parameters.toEqualTypeOf<
      [request: { name: string }, ack: Ack<NodeStatus>]
    >()
    expectTypeOf<Parameters<ControlToManagerEvents['tasks:query']>[1]>().toEqualTypeOf<Ack<TaskPage>>()
    expectTypeOf<Parameters<ControlToManagerEvents['jobs:list']>[0]>().toEqualTypeOf<Ack<JobStatus[]>>()
  })

  it('type both ends of a Socket.IO connection', () => {
    const client = (socket: Socket<ManagerToClientEvents, ClientToManagerEvents>) => {
      socket.emit('task:submit', new Uint8Array(8))
      // @ts-expect-error a task frame is bytes
      socket.emit('task:submit', 'not a frame')
      // @ts-expect-error no such event
      socket.emit('task:submitt', new Uint8Array(8))
      socket.on('task:settled', (frame) => expectTypeOf(frame).toEqualTypeOf<Uint8Array>())
    }
    const manager = (namespace: Namespace<ClientToManagerEvents, ManagerToClientEvents>) => {
      namespace.on('connection', (socket) => {
        socket.on('cluster:status', (ack) => expectTypeOf(ack).toEqualTypeOf<Ack<ClusterStatus>>())
        socket.emit('request:rejected', { name: 'ArgonError', code: 'BAD_REQUEST', message: 'm', retryable: false })
        // @ts-expect-error a wire error's code is one of the codes
        socket.emit('request:rejected', { name: 'ArgonError', code: 'OOPS', message: 'm', retryable: false })
      })
    }
    expectTypeOf(client).toBeFunction()
    expectTypeOf(manager).toBeFunction()
  })
})
