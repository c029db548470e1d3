import type { Namespace, Socket } from 'socket.io'
import {
  FunctionRegistry,
  PRIORITIES,
  cancelRequestSchema,
  clientHandshakeSchema,
  jobReportsSchema,
  parseBatch,
  parseMessage,
  readTaskFrame,
  taskProblem,
  wireError,
  type Ack,
  type ClientToManagerEvents,
  type ClusterStatus,
  type ManagerToClientEvents,
} from '../protocol/index.js'
import { checkHandshake, handshakeError } from './auth.js'
import type { ClientSessions } from './client-sessions.js'
import type { Dispatcher, IncomingTask } from './dispatcher.js'
import type { JobBoard } from './jobs/job-board.js'
import type { Logger } from './logger.js'
import { onDirectEvent } from '../protocol/direct-events.js'
import { RESERVED_EVENT_PREFIX } from '../protocol/packet-codec.js'
import { frameRejecter } from './frame-rejections.js'
import type { WarningThrottle } from './warning-throttle.js'

interface ClientData {
  clientId: string
  /** False when the client opted out of its tasks' output. */
  output: boolean
}

export type ClientNamespace = Namespace<ClientToManagerEvents, ManagerToClientEvents, Record<string, never>, ClientData>
type ClientSocket = Socket<ClientToManagerEvents, ManagerToClientEvents, Record<string, never>, ClientData>

export interface ClientNamespaceOptions {
  token: string
  maxPayloadBytes: number
  dispatcher: Dispatcher
  sessions: ClientSessions
  /** The jobs clients report (`job:update`) and operators cancel. */
  jobs: JobBoard
  log: Logger
  warnings: WarningThrottle
  /** Answer to `cluster:status`. */
  status: () => ReturnType<Dispatcher['status']>
}

/** `/client`: clients submit and cancel tasks and get answers (also a stand-alone agent's face). */
export function serveClients(namespace: ClientNamespace, options: ClientNamespaceOptions): void {
  const { dispatcher, sessions, jobs, log, warnings } = options

  namespace.use((socket, next) => {
    const refusal = checkHandshake(socket.handshake.auth, options.token)
    if (refusal) return next(refusal)
    const parsed = clientHandshakeSchema.safeParse(socket.handshake.auth)
    if (!parsed.success) return next(handshakeError('BAD_REQUEST', 'handshake needs a clientId of 8..64 characters'))
    socket.data.clientId = parsed.data.clientId
    socket.data.output = parsed.data.output !== false
    next()
  })

  namespace.on('connection', (socket: ClientSocket) => {
    const clientId = socket.data.clientId
    sessions.attach(clientId, socket)
    jobs.clientConnected(clientId, socket)
    // This connection's function table: each function's source arrives once, then by number.
    const functions = new FunctionRegistry(dispatcher.functions)

    const rejecter = frameRejecter(socket, 'bad-frame:client', { clientId }, warnings)
    const rejectFrame = rejecter.reject

    socket.onAny((event: unknown) => {
      if (typeof event === 'string' && event.startsWith(RESERVED_EVENT_PREFIX))
        rejectFrame(event.slice(RESERVED_EVENT_PREFIX.length), 'reserved event name')
      else if (typeof event !== 'string' || socket.listenerCount(event) === 0) rejectFrame(event, 'unknown event')
    })

    onDirectEvent(socket, 'task:submit', (input: unknown) => {
      try {
        const frame = readTaskFrame(input, functions)
        if (!frame.ok) {
          // Structurally broken: nothing of it runs, but every id that can be read gets its answer.
          rejectFrame('task:submit', frame.message)
          // Once per id, even if the frame names it twice.
          for (const id of new Set(frame.ids))
            dispatcher.refuse(clientId, id, wireError('BAD_REQUEST', `task:submit: ${frame.message}`))
          return
        }
        const accepted: IncomingTask[] = []
        const { ids, fns, offsets, priorities, timeouts } = frame
        const repeated = repeatedIds(ids, frame.count)
        let bad = 0
        for (let i = 0; i < frame.count; i++) {
          if (repeated?.has(ids[i]!)) continue
          const problem = taskProblem(frame, i, functions, options.maxPayloadBytes)
          if (problem !== undefined) {
            bad++
            warnings.warn(
              problem.code === 'PAYLOAD_TOO_LARGE' ? 'payload-too-large' : 'bad-task',
              { clientId, taskId: ids[i] },
              `bad task: ${problem.message}`,
            )
            dispatcher.refuse(clientId, ids[i]!, wireError(problem.code, problem.message))
            continue
          }
          accepted.push({
            id: ids[i]!,
            fn: functions.get(fns[i]!)!,
            start: offsets[i]!,
            end: offsets[i + 1]!,
            priority: PRIORITIES[priorities[i]!]!,
            timeout: timeouts[i]!,
          })
        }
        // An id named twice in one frame is refused as a whole (one answer, nothing of it runs): an
        // answer goes by id, so running one of them and refusing the other would answer it twice,
        // and which of the two the client meant is a guess. A task of this client's already held
        // under the id (an earlier frame) runs on and is answered as usual (refuse() skips it).
        for (const id of repeated ?? []) {
          bad++
          warnings.warn(
            'bad-task',
            { clientId, taskId: id },
            `bad task: task id ${id} appears more than once in one frame`,
          )
          dispatcher.refuse(clientId, id, wireError('BAD_REQUEST', `task id ${id} appears more than once in one frame`))
        }
        // Bad tasks were answered by id; they still count against this connection's budget.
        if (bad > 0) rejecter.noteBad()
        if (accepted.length > 0) dispatcher.submitFrame(clientId, frame.bytes, accepted)
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
      ;(ack as Ack<ClusterStatus>)({ ok: true, value: options.status() })
    })

    socket.on('job:update', (frame: unknown) => {
      const reports = parseMessage(jobReportsSchema, frame)
      if (!reports.ok) return rejectFrame('job:update', reports.error.message)
      const refused = jobs.report(clientId, reports.value)
      if (refused > 0)
        warnings.warn('jobs-refused', { clientId }, `refused ${refused} new job(s): too many running jobs`)
    })

    socket.on('link:sync', (ack: unknown) => {
      if (typeof ack === 'function') (ack as () => void)()
    })

    socket.on('disconnect', () => {
      sessions.detach(clientId, socket)
      jobs.clientDisconnected(clientId, socket)
    })
  })
}

/** The ids named more than once among the first `count` of `ids`; undefined when there are none (the usual case). */
export function repeatedIds(ids: readonly string[], count: number): Set<string> | undefined {
  if (count < 2) return undefined
  const seen = new Set<string>()
  let repeated: Set<string> | undefined
  for (let i = 0; i < count; i++) {
    const id = ids[i]!
    if (seen.has(id)) (repeated ??= new Set()).add(id)
    else seen.add(id)
  }
  return repeated
}
