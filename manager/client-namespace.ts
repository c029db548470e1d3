import type { Namespace, Socket } from 'socket.io'
import {
  cancelRequestSchema,
  cutText,
  describeForLog,
  clientHandshakeSchema,
  parseBatch,
  taskSubmissionSchema,
  wireError,
  type ClientToManagerEvents,
  type ManagerToClientEvents,
  type TaskSubmission,
} from '../protocol/index.js'
import { checkHandshake, handshakeError } from './auth.js'
import type { ClientSessions } from './client-sessions.js'
import type { Dispatcher } from './dispatcher.js'
import type { Logger } from './logger.js'
import { RESERVED_EVENT_PREFIX } from '../protocol/packet-codec.js'
import { frameRejecter } from './frame-rejections.js'
import type { WarningThrottle } from './warning-throttle.js'

interface ClientData {
  clientId: string
}

export type ClientNamespace = Namespace<ClientToManagerEvents, ManagerToClientEvents, Record<string, never>, ClientData>
type ClientSocket = Socket<ClientToManagerEvents, ManagerToClientEvents, Record<string, never>, ClientData>

export interface ClientNamespaceOptions {
  token: string
  maxPayloadBytes: number
  dispatcher: Dispatcher
  sessions: ClientSessions
  log: Logger
  warnings: WarningThrottle
  /** Answer to `cluster:status`. */
  status: () => ReturnType<Dispatcher['status']>
}


/** `/client`: clients submit and cancel tasks and get answers (also a stand-alone agent's face). */
export function serveClients(namespace: ClientNamespace, options: ClientNamespaceOptions): void {
  const { dispatcher, sessions, log, warnings } = options

  namespace.use((socket, next) => {
    const refusal = checkHandshake(socket.handshake.auth, options.token)
    if (refusal) return next(refusal)
    const parsed = clientHandshakeSchema.safeParse(socket.handshake.auth)
    if (!parsed.success) return next(handshakeError('BAD_REQUEST', 'handshake needs a clientId of 8..64 characters'))
    socket.data.clientId = parsed.data.clientId
    next()
  })

  namespace.on('connection', (socket: ClientSocket) => {
    const clientId = socket.data.clientId
    sessions.attach(clientId, socket)

    const rejecter = frameRejecter(socket, 'bad-frame:client', { clientId }, warnings)
    const rejectFrame = rejecter.reject

    socket.onAny((event: unknown) => {
      if (typeof event === 'string' && event.startsWith(RESERVED_EVENT_PREFIX)) rejectFrame(event.slice(RESERVED_EVENT_PREFIX.length), 'reserved event name')
      else if (typeof event !== 'string' || socket.listenerCount(event) === 0) rejectFrame(event, 'unknown event')
    })

    socket.on('task:submit', (frame: unknown) => {
      try {
        const { valid, rejected } = parseBatch(taskSubmissionSchema, frame)
        // Bad items with an id are answered by id; the rest of the frame's problems in one reply.
        const unanswerable = rejected.filter((bad) => bad.id === undefined)
        for (const bad of rejected) {
          if (bad.id === undefined) continue
          warnings.warn('bad-task', { clientId, taskId: cutText(bad.id) }, `bad task: ${cutText(bad.error.message)}`)
          dispatcher.refuse(clientId, bad.id, { ...bad.error, message: cutText(bad.error.message) })
        }
        if (unanswerable.length > 0) rejectFrame('task:submit', `${unanswerable.length} item(s) without a readable id; first: ${unanswerable[0]!.error.message}`)
        else if (rejected.length > 0) rejecter.noteBad()
        const accepted: TaskSubmission[] = []
        for (const task of valid) {
          if (task.args.byteLength > options.maxPayloadBytes) {
            warnings.warn('payload-too-large', { clientId, taskId: task.id, bytes: task.args.byteLength }, 'task arguments over the payload limit')
            dispatcher.refuse(clientId, task.id, wireError('PAYLOAD_TOO_LARGE', `arguments are ${task.args.byteLength} bytes; the limit is ${options.maxPayloadBytes}`))
          } else accepted.push(task)
        }
        if (accepted.length > 0) dispatcher.submit(clientId, accepted)
      } catch (error) {
        log.error({ err: error, clientId }, 'task:submit handler failed')
      }
    })

    socket.on('task:cancel', (frame: unknown) => {
      const { valid, rejected } = parseBatch(cancelRequestSchema, frame)
      if (rejected.length > 0) rejectFrame('task:cancel', rejected[0]!.error.message)
      if (valid.length > 0) dispatcher.cancel(clientId, valid)
    })

    socket.on('cluster:status', (ack: unknown) => {
      if (typeof ack !== 'function') return rejectFrame('cluster:status', 'needs an acknowledgement callback')
      ack({ ok: true, value: options.status() })
    })

    socket.on('link:sync', (ack: unknown) => {
      if (typeof ack === 'function') (ack as () => void)()
    })

    socket.on('disconnect', () => sessions.detach(clientId, socket))
  })
}
