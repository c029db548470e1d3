import type { Namespace, Socket } from 'socket.io'
import type { z } from 'zod'
import {
  FlushScheduler,
  FrameBatcher,
  cutText,
  FunctionTable,
  PRIORITY_CODE,
  TaskFrameWriter,
  nodeHandshakeSchema,
  nodeHeartbeatSchema,
  parseMessage,
  returnedTasksSchema,
  taskOutputBatchSchema,
  readOutcomeFrame,
  type CancelRequest,
  type ManagerToNodeEvents,
  type NodeHandshake,
  type NodeToManagerEvents,
} from '../protocol/index.js'
import { checkHandshake, handshakeError } from './auth.js'
import type { Dispatcher } from './dispatcher.js'
import type { Logger } from './logger.js'
import type { TaskOutputs } from './output/task-outputs.js'
import type { NodeLink } from './node-entry.js'
import { NodeNames } from './node-names.js'
import { emitDirect, onDirectEvent } from '../protocol/direct-events.js'
import { RESERVED_EVENT_PREFIX, finishForPacket } from '../protocol/packet-codec.js'
import { frameRejecter } from './frame-rejections.js'
import type { WarningThrottle } from './warning-throttle.js'

interface NodeData {
  node: NodeHandshake
}

export type NodeNamespace = Namespace<NodeToManagerEvents, ManagerToNodeEvents, Record<string, never>, NodeData>
type NodeSocket = Socket<NodeToManagerEvents, ManagerToNodeEvents, Record<string, never>, NodeData>

/** `/node`: agents join, take assignments, and report outcomes and heartbeats. */
export function serveNodes(
  namespace: NodeNamespace,
  options: { token: string; dispatcher: Dispatcher; outputs: TaskOutputs; log: Logger; warnings: WarningThrottle },
): void {
  const { dispatcher, log, warnings } = options
  const sockets = new Map<string, NodeSocket>()
  const names = new NodeNames(dispatcher.nodes)

  namespace.use((socket, next) => {
    const refusal = checkHandshake(socket.handshake.auth, options.token)
    if (refusal) return next(refusal)
    const parsed = nodeHandshakeSchema.safeParse(socket.handshake.auth)
    if (!parsed.success)
      return next(
        handshakeError('BAD_REQUEST', `bad node handshake: ${cutText(parsed.error.issues[0]?.message ?? 'invalid')}`),
      )
    // The id is the agent's only while it holds the secret it first registered with.
    if (!dispatcher.nodes.claim(parsed.data.nodeId, parsed.data.nodeSecret)) {
      warnings.warn(
        'node-id-taken',
        { id: parsed.data.nodeId, address: socket.handshake.address },
        'refused a node registration: its id belongs to another agent',
      )
      return next(handshakeError('UNAUTHORIZED', `node id ${parsed.data.nodeId} is registered to another agent`))
    }
    const naming = names.claim(parsed.data)
    if (!naming.ok) return next(handshakeError(naming.code, naming.message))
    socket.data.node = { ...parsed.data, name: naming.name }
    next()
  })

  namespace.on('connection', (socket: NodeSocket) => {
    const identity = socket.data.node
    const host = identity.host || socket.handshake.address
    // The same agent reconnecting before its old socket timed out: the new link wins.
    const previous = sockets.get(identity.nodeId)
    if (previous && previous !== socket) {
      sockets.delete(identity.nodeId)
      dispatcher.nodeDisconnected(identity.nodeId, 'replaced by a new connection')
      previous.disconnect(true)
    }
    sockets.set(identity.nodeId, socket)

    // Assignments go straight into this link's next frame: ranges of the clients' frames, and each
    // function's source once per connection.
    const runs = new TaskFrameWriter(new FunctionTable())
    const sendRuns = (): void => {
      if (runs.count > 0) emitDirect(socket, 'task:run', finishForPacket(runs))
    }
    const flushRuns = new FlushScheduler(sendRuns)
    const cancels = new FrameBatcher<CancelRequest>((requests) => socket.emit('task:cancel', requests))
    const link: NodeLink = {
      run: (task, attempt) => {
        flushRuns.beforeAdd(runs.payloadBytes, task.end - task.start)
        runs.add(
          task.id,
          task.fn,
          attempt,
          task.timeout,
          PRIORITY_CODE[task.priority],
          task.bytes,
          task.start,
          task.end,
        )
        flushRuns.added(runs.count, runs.payloadBytes)
      },
      cancel: (request) => cancels.push(request),
      state: (state) => socket.emit('node:state', { state }),
      // A silent node is dropped; when it wakes it reconnects and registers again.
      drop: () => socket.disconnect(true),
      scale: (workers) => socket.emit('node:scale', { workers }),
      steal: (count) => {
        // Assignments already batched go out first, so the agent can hand back any of them.
        sendRuns()
        socket.emit('task:steal', { count })
      },
    }
    dispatcher.nodeConnected(
      { id: identity.nodeId, name: identity.name, host, workers: identity.workers, version: identity.version },
      link,
    )
    names.release(identity.nodeId)
    socket.emit('node:named', { name: identity.name })
    log.info(
      { node: identity.name, id: identity.nodeId, workers: identity.workers, address: socket.handshake.address },
      'node connected',
    )

    const rejecter = frameRejecter(socket, 'bad-frame:node', { node: identity.name }, warnings)
    const rejectFrame = rejecter.reject

    socket.onAny((event: unknown) => {
      if (typeof event === 'string' && event.startsWith(RESERVED_EVENT_PREFIX))
        rejectFrame(event.slice(RESERVED_EVENT_PREFIX.length), 'reserved event name')
      else if (typeof event !== 'string' || socket.listenerCount(event) === 0) rejectFrame(event, 'unknown event')
    })

    onDirectEvent(socket, 'task:settled', (input: unknown) => {
      try {
        const frame = readOutcomeFrame(input)
        if (!frame.ok) {
          // Each readable id of a task this node holds is answered, so no slot stays taken.
          for (const id of frame.ids) dispatcher.nodeSentInvalid(identity.nodeId, id, cutText(frame.message))
          return rejectFrame('task:settled', frame.message)
        }
        const unreadable = dispatcher.nodeSettled(identity.nodeId, frame)
        if (unreadable > 0)
          rejectFrame('task:settled', `${unreadable} outcome(s) with an error that is not a valid error object`)
      } catch (error) {
        log.error({ err: error, node: identity.name }, 'task:settled handler failed')
      }
    })

    /** A control message: validated, then handled; an invalid one is rejected with BAD_REQUEST. */
    const onMessage = <T>(
      event: 'node:heartbeat' | 'node:leaving' | 'task:returned',
      schema: z.ZodType<T>,
      handle: (value: T) => void,
    ): void => {
      socket.on(event, (frame: unknown) => {
        const parsed = parseMessage(schema, frame)
        if (parsed.ok) handle(parsed.value)
        else rejectFrame(event, parsed.error.message)
      })
    }
    onMessage('node:heartbeat', nodeHeartbeatSchema, (beat) => dispatcher.heartbeat(identity.nodeId, beat))
    onMessage('node:leaving', returnedTasksSchema, (ids) => dispatcher.nodeLeaving(identity.nodeId, ids))
    onMessage('task:returned', returnedTasksSchema, (ids) => dispatcher.nodeReturned(identity.nodeId, ids))

    socket.on('task:output', (frame: unknown) => {
      const chunks = parseMessage(taskOutputBatchSchema, frame)
      if (!chunks.ok) return rejectFrame('task:output', chunks.error.message)
      const refused = options.outputs.fromNode(identity.nodeId, identity.name, chunks.value)
      if (refused > 0)
        warnings.warn(
          'output-refused',
          { node: identity.name },
          'dropped task output from a node that does not hold the task',
        )
    })

    socket.on('link:sync', (ack: unknown) => {
      if (typeof ack === 'function') (ack as () => void)()
    })

    socket.on('disconnect', (reason) => {
      if (sockets.get(identity.nodeId) !== socket) return
      sockets.delete(identity.nodeId)
      runs.discard()
      cancels.take()
      dispatcher.nodeDisconnected(identity.nodeId, reason)
      log.warn({ node: identity.name, reason }, 'node disconnected')
    })
  })
}
